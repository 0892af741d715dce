"""Writing comments and reactions, and reading comment threads page by page.

A comment's target is a person's profile, a document the writer may read, or an
activity item the writer may see. ``@account`` mentions resolve in the
directory and notify only people who may see the item (the access gate cuts the
list), each once in the comment's life; ``#tags`` link the comment to tags
people follow. Writers are held to the social limits (comments a minute, people
mentioned), counted by the store in the write's own transaction; refusals are
logged at INFO. Every read and write goes through the gate (``Context.scope``).
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from datetime import UTC, datetime
from typing import Annotated

import strawberry

from connectors.social import (
    MAX_TAG,
    CommentText,
    ItemNotFound,
    KeyReused,
    NotAuthor,
    RateLimited,
    TooManyMentions,
    mentions_in,
    tags_in,
)

from .comments import Comment, ReactionCount, ReactionKind, reaction_counts
from .context import Info
from .errors import BadInput, upstream
from .ids import parse_global_id
from .pagination import Connection, Edge, check_first, keyset_page
from .people import Person
from .social import (
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    decode_id,
    retry_key,
    write,
)
from .write_limits import (
    RateLimitedError,
    comment_limits,
    comments_rate_limited,
    too_many_mentions,
)


@strawberry.enum(description="Why a person a comment mentions was not notified.")
class MentionNotNotifiedReason(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    MAY_NOT_READ = strawberry.enum_value(
        "may_not_read",
        description="They may not read the item the comment is on, so they were not told "
        "(and see nothing of it).",
    )
    LEFT = strawberry.enum_value(
        "left", description="They have left (their directory account is disabled or expired)."
    )


_REASON_TEXT = {
    MentionNotNotifiedReason.MAY_NOT_READ: "may not read this",
    MentionNotNotifiedReason.LEFT: "has left",
}


@strawberry.type(description="A person the comment mentions who was not notified, and why.")
class MentionNotNotified:
    person: Person = strawberry.field(description="The person mentioned.")
    reason: MentionNotNotifiedReason = strawberry.field(description="Why they were not told.")

    @strawberry.field(description='The reason in words, e.g. "may not read this".')
    def message(self) -> str:
        return _REASON_TEXT[self.reason]


@strawberry.type(description="The comment as it now stands.")
class CommentSuccess:
    comment: Comment = strawberry.field(description="The comment.")
    replayed: bool = strawberry.field(
        description="True when this answers a retry (same clientMutationId): nothing new "
        "was written."
    )
    not_notified: list[MentionNotNotified] = strawberry.field(
        default_factory=list,
        description="People this write mentions who were not notified, and why (empty when "
        "everyone mentioned was told, or told before). Shown to the writer only.",
    )


CommentResult = Annotated[
    CommentSuccess | NotFoundError | NotAllowedError | InvalidInputError | RateLimitedError,
    strawberry.union("CommentResult", description="The outcome of a comment write."),
]


@strawberry.input(description="A new comment or reply.")
class AddCommentInput:
    target_id: strawberry.ID = strawberry.field(
        description="Global id of the Person (their profile), Document or ActivityItem."
    )
    body: str = strawberry.field(description="Plain text; `@account` mentions, `#tags`.")
    reply_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="The comment this replies to (on the same target)."
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Retry key: a retry with the same key writes nothing new."
    )


@strawberry.input(description="New text for a comment.")
class EditCommentInput:
    comment_id: strawberry.ID = strawberry.field(description="The comment.")
    body: str = strawberry.field(description="The new text.")
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Retry key: a retry with the same key writes nothing new."
    )


@strawberry.input(description="A comment to delete (softly: replies keep their place).")
class DeleteCommentInput:
    comment_id: strawberry.ID = strawberry.field(description="The comment.")


@strawberry.input(description="A reaction to give or take back.")
class ReactInput:
    item_id: strawberry.ID = strawberry.field(
        description="Global id of a Comment, ActivityItem or Document."
    )
    reaction: ReactionKind = strawberry.field(description="Which reaction.")


@strawberry.type(description="The item's reactions after the change.")
class ReactionSuccess:
    changed: bool = strawberry.field(description="False when it already was as asked.")
    reactions: list[ReactionCount] = strawberry.field(description="The item's reactions now.")


ReactionResult = Annotated[
    ReactionSuccess | NotFoundError | InvalidInputError,
    strawberry.union("ReactionResult", description="The outcome of a reaction change."),
]

_NOT_FOUND = "No such item, or you may not see it."
# A #tag longer than a tag may be: refused, never stored cut short.
_LONG_TAG = re.compile(rf"(?<![\w&#/])#\w[\w-]{{{MAX_TAG},}}")


async def _target(
    info: Info, target_id: str, field: str, *kinds: str
) -> tuple[str, str] | NotFoundError | InvalidInputError:
    """(store kind, key) of a live item the viewer may see, read through the gate (which
    judges the write again); a malformed id is refused naming ``field``."""
    decoded = decode_id(target_id, field, *kinds)
    if isinstance(decoded, InvalidInputError):
        return decoded
    type_name, key = decoded
    scope = info.context.scope
    if type_name == "Person":
        seen = await upstream(info.context.loaders.person.load(key)) is not None
    elif type_name == "Document":
        seen = bool(await upstream(scope.documents.readable([key])))
    elif type_name == "ActivityItem":
        seen = key.isdigit() and await upstream(scope.activity.event(int(key))) is not None
    else:
        comment = await upstream(scope.comments.comment(key))
        seen = comment is not None and not comment.deleted_at and not comment.hidden_at
    if not seen:
        return NotFoundError(message=_NOT_FOUND)
    kind = {"Person": "person", "Document": "document", "ActivityItem": "activity"}
    return kind.get(type_name, "comment"), key


async def _text(info: Info, body: str) -> CommentText | InvalidInputError:
    limits = info.context.policy.social_limits
    text = body.strip()
    if not text:
        return InvalidInputError(message="A comment needs some text.", field="body")
    if len(text) > limits.comment_length:
        return InvalidInputError(
            message=f"A comment may be at most {limits.comment_length} characters.", field="body"
        )
    if _LONG_TAG.search(text):
        return InvalidInputError(
            message=f"A #tag may be at most {MAX_TAG} characters.", field="body"
        )
    tags = tags_in(text)
    if len(tags) > limits.tags_per_item:
        return InvalidInputError(
            message=f"A comment may carry at most {limits.tags_per_item} #tags.", field="body"
        )
    accounts = mentions_in(text)
    if len(accounts) > limits.mentions_per_comment:
        return too_many_mentions(limits.mentions_per_comment)
    found = await upstream(info.context.loaders.person_by_account.load_many(accounts))
    people = [p for p in found if p is not None]
    now = datetime.now(UTC)
    # Leavers are not told; the gate cuts the rest to those who may see the item.
    notify = [p.guid for p in people if not p.is_leaver(now)]
    return CommentText(body=text, tags=tags, mentioned=[p.guid for p in people], notify=notify)


async def _comment(
    info: Info, comment_id: str, replayed: bool, text: CommentText | None = None
) -> CommentSuccess:
    comments = info.context.scope.comments
    record = await upstream(comments.comment(comment_id))
    assert record is not None  # just written in this request, on an item the viewer sees
    return CommentSuccess(
        comment=Comment.of(record),
        replayed=replayed,
        not_notified=await _not_notified(info, comment_id, text) if text else [],
    )


async def _not_notified(info: Info, comment_id: str, text: CommentText) -> list[MentionNotNotified]:
    """Who the text mentions but no notification reached: leavers, and those the gate
    says may not see the item (the writer is never told of their own mention)."""
    viewer = info.context.viewer.guid
    mentioned = [p for p in text.mentioned if p != viewer]
    told = set(text.notify)
    blind = set(await upstream(info.context.scope.comments.unreached(comment_id, list(told))))
    reasons: dict[str, MentionNotNotifiedReason] = {}
    for guid in mentioned:
        if guid not in told:
            reasons[guid] = MentionNotNotifiedReason.LEFT
        elif guid in blind:
            reasons[guid] = MentionNotNotifiedReason.MAY_NOT_READ
    if not reasons:
        return []
    people = await upstream(info.context.loaders.person.load_many(list(reasons)))
    return [
        MentionNotNotified(person=Person.of(p), reason=reasons[p.guid])
        for p in people
        if p is not None
    ]


def _comment_key(comment_id: str, field: str) -> str | InvalidInputError:
    decoded = decode_id(comment_id, field, "Comment")
    return decoded if isinstance(decoded, InvalidInputError) else decoded[1]


@strawberry.type
class DiscussionMutations:
    @strawberry.mutation(
        description="Comment on a person's profile, a document or an activity item, or reply "
        "to a comment. Mentioned people who may see the item are notified. Each person may "
        "post a set number of comments and replies a minute (10 unless the council changed "
        "it); past that the answer is `RateLimitedError` and nothing is written."
    )
    async def add_comment(
        self,
        info: Info,
        input: Annotated[
            AddCommentInput, strawberry.argument(description="What to comment on, and the text.")
        ],
    ) -> CommentResult:
        key = retry_key(input.client_mutation_id)
        if isinstance(key, InvalidInputError):
            return key
        target = await _target(
            info, input.target_id, "targetId", "Person", "Document", "ActivityItem"
        )
        if not isinstance(target, tuple):
            return target
        kind, target_key = target
        parent: str | None = None
        if input.reply_to_id is not None:
            reply_to = _comment_key(input.reply_to_id, "replyToId")
            if isinstance(reply_to, InvalidInputError):
                return reply_to
            parent = reply_to
        text = await _text(info, input.body)
        if isinstance(text, InvalidInputError):
            return text
        try:
            written = await write(
                info.context.scope.comments.add(
                    kind, target_key, text, parent_id=parent, key=key,
                    limits=comment_limits(info),
                )
            )  # fmt: skip
        except RateLimited as refused:
            return comments_rate_limited(refused)
        except TooManyMentions as refused:
            return too_many_mentions(refused.limit)
        except ItemNotFound:
            return NotFoundError(message="The comment replied to is not on this item.")
        except KeyReused:
            return InvalidInputError(
                message="That clientMutationId was used for another change.",
                field="clientMutationId",
            )
        return await _comment(info, written.id, written.replayed, text)

    @strawberry.mutation(
        description="Change a comment's text (author or moderator); the old text is kept. "
        "Only people the comment never told of a mention are notified."
    )
    async def edit_comment(
        self,
        info: Info,
        input: Annotated[
            EditCommentInput, strawberry.argument(description="The comment, and its new text.")
        ],
    ) -> CommentResult:
        key = retry_key(input.client_mutation_id)
        if isinstance(key, InvalidInputError):
            return key
        comments = info.context.scope.comments
        comment_id = _comment_key(input.comment_id, "commentId")
        if isinstance(comment_id, InvalidInputError):
            return comment_id
        found = await upstream(comments.comment(comment_id))
        if found is None:
            return NotFoundError(message=_NOT_FOUND)
        text = await _text(info, input.body)
        if isinstance(text, InvalidInputError):
            return text
        try:
            written = await write(
                comments.edit(found.id, text, key=key, limits=comment_limits(info))
            )
        except TooManyMentions as refused:
            return too_many_mentions(refused.limit, over_its_life=True)
        except ItemNotFound:
            return NotFoundError(message="The comment is deleted or hidden.")
        except NotAuthor:
            return NotAllowedError(message="Only its author or a moderator may edit a comment.")
        except KeyReused:
            return InvalidInputError(
                message="That clientMutationId was used for another change.",
                field="clientMutationId",
            )
        return await _comment(info, written.id, written.replayed, text)

    @strawberry.mutation(
        description="Delete a comment (author or moderator). Replies keep their place; a "
        "retry is harmless."
    )
    async def delete_comment(
        self,
        info: Info,
        input: Annotated[
            DeleteCommentInput, strawberry.argument(description="The comment to delete.")
        ],
    ) -> CommentResult:
        comments = info.context.scope.comments
        comment_id = _comment_key(input.comment_id, "commentId")
        if isinstance(comment_id, InvalidInputError):
            return comment_id
        found = await upstream(comments.comment(comment_id))
        if found is None:
            return NotFoundError(message=_NOT_FOUND)
        try:
            changed = await write(comments.delete(found.id))
        except ItemNotFound:
            return NotFoundError(message=_NOT_FOUND)
        except NotAuthor:
            return NotAllowedError(message="Only its author or a moderator may delete a comment.")
        return await _comment(info, found.id, replayed=not changed)

    @strawberry.mutation(description="React to a comment, activity item or document.")
    async def react(
        self,
        info: Info,
        input: Annotated[
            ReactInput, strawberry.argument(description="The item, and the reaction to give.")
        ],
    ) -> ReactionResult:
        return await _react(info, input, add=True)

    @strawberry.mutation(description="Take a reaction back.")
    async def unreact(
        self,
        info: Info,
        input: Annotated[
            ReactInput, strawberry.argument(description="The item, and the reaction to take back.")
        ],
    ) -> ReactionResult:
        return await _react(info, input, add=False)


async def _react(info: Info, data: ReactInput, *, add: bool) -> ReactionResult:
    target = await _target(info, data.item_id, "itemId", "Comment", "Document", "ActivityItem")
    if not isinstance(target, tuple):
        return target
    kind, key = target
    reactions = info.context.scope.reactions
    try:
        if add:
            changed = await write(reactions.react(kind, key, data.reaction.value))
        else:
            changed = await write(reactions.unreact(kind, key, data.reaction.value))
    except ItemNotFound:
        return NotFoundError(message=_NOT_FOUND)
    return ReactionSuccess(changed=changed, reactions=await reaction_counts(info, kind, key))


# -- threads ----------------------------------------------------------------------------


def _thread_cursor(comment: Comment) -> str:
    raw = f"t:{comment.record.created_at.isoformat()}|{comment.record.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _parse_thread_cursor(value: str | None) -> tuple[datetime, str] | None:
    if value is None:
        return None
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        prefix, _, rest = text.partition(":")
        stamp, _, comment_id = rest.partition("|")
        if prefix != "t" or not comment_id:
            raise ValueError(text)
        return datetime.fromisoformat(stamp), comment_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadInput("Not a valid cursor.", field="after") from None


async def comment_thread(
    info: Info, kind: str, target: str, first: int, after: str | None
) -> Connection[Comment]:
    """Top-level comments on an item, oldest first (none on an item the viewer may not
    see); replies hang off each (``Comment.replies``)."""
    check_first(first)
    comments = info.context.scope.comments
    position = _parse_thread_cursor(after)

    async def count() -> int:
        return await comments.thread_count(kind, target)

    if first == 0:  # counts only: a comment is read only if `hasNextPage` is asked

        async def probe() -> bool:
            return bool(await upstream(comments.thread(kind, target, first=1, after=position)))

        return keyset_page([], more=probe, after=after, count=count)
    rows = await upstream(comments.thread(kind, target, first=first + 1, after=position))
    nodes = [Comment.of(r) for r in rows[:first]]
    edges = [Edge(cursor=_thread_cursor(c), node=c) for c in nodes]
    return keyset_page(edges, more=len(rows) > first, after=after, count=count)


@strawberry.type
class DiscussionQueries:
    @strawberry.field(description="A comment by global id; null if missing or not visible.")
    async def comment(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The comment's global id (`Comment.id`)."),
        ],
    ) -> Comment | None:
        _, key = parse_global_id(id, "Comment")  # a malformed id is bad input, not a miss
        found = await upstream(info.context.scope.comments.comment(key))
        return Comment.of(found) if found else None
