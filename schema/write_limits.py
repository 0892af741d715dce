"""The social layer's write limits as the API shows them: ``RateLimitedError``, the
store's limits taken from the policy, and each refusal's message and log line.

The limits themselves are counted by the store, inside the write's transaction (see
``connectors.social.quotas``), so they hold across gateway instances. A refusal is an
expected answer: logged once at INFO, without a traceback, naming the limit, never
anything the client should not see.
"""

from __future__ import annotations

import logging

import strawberry

from connectors.social import CommentLimits, RateLimited

from .context import Info
from .social import InvalidInputError

log = logging.getLogger("townhall.social")


@strawberry.type(
    description="Too many writes of this kind for now; nothing was written. Try again once "
    "`retryAfterSeconds` have passed."
)
class RateLimitedError:
    message: str = strawberry.field(description="Which limit was reached.")
    retry_after_seconds: int = strawberry.field(
        description="Seconds until one more write of this kind is accepted."
    )


def comment_limits(info: Info) -> CommentLimits:
    """What the store holds one comment write to, from the gateway's settings."""
    limits = info.context.policy.social_limits
    return CommentLimits(
        per_minute=limits.comments_per_minute, mentions=limits.mentions_per_comment
    )


def comments_rate_limited(refused: RateLimited) -> RateLimitedError:
    log.info(
        "comment refused: %d comments a minute reached (free in %d s)",
        refused.limit,
        refused.retry_after,
    )
    return RateLimitedError(
        message=f"You may post at most {refused.limit} comments a minute; try again in "
        f"{refused.retry_after} s.",
        retry_after_seconds=refused.retry_after,
    )


def too_many_mentions(limit: int, *, over_its_life: bool = False) -> InvalidInputError:
    """A comment mentions too many people; ``over_its_life``: an edit would tell people
    beyond those the comment's earlier versions told, past the limit."""
    log.info("comment refused: more than %d people mentioned", limit)
    if over_its_life:
        message = (
            f"A comment may notify at most {limit} people of a mention over all its edits, "
            "and this one already has: mention anyone else in a new comment."
        )
    else:
        message = f"A comment may mention at most {limit} people."
    return InvalidInputError(message=message, field="body")
