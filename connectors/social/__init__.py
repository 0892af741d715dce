"""Townhall's own social store, the only store Townhall writes to (see ``store``)."""

from .base import (
    Event,
    ItemNotFound,
    KeyReused,
    NotAuthor,
    RateLimited,
    SocialError,
    SocialRefused,
    SocialUnavailable,
    TooManyMentions,
)
from .comments import CommentText
from .hr_feed import HRState
from .people import PersonState
from .quotas import CommentLimits
from .records import (
    ActivityEvent,
    Comment,
    Follow,
    Notification,
    ProfileField,
    ProfileTag,
    Report,
    Revision,
    TopicSignals,
    Written,
)
from .store import SocialStore
from .text import MAX_TAG, mentions_in, normalise_tag, tags_in

__all__ = [
    "MAX_TAG",
    "ActivityEvent",
    "Comment",
    "CommentLimits",
    "CommentText",
    "Event",
    "Follow",
    "HRState",
    "ItemNotFound",
    "KeyReused",
    "NotAuthor",
    "Notification",
    "PersonState",
    "ProfileField",
    "ProfileTag",
    "RateLimited",
    "Report",
    "Revision",
    "SocialError",
    "SocialRefused",
    "SocialStore",
    "SocialUnavailable",
    "TooManyMentions",
    "TopicSignals",
    "Written",
    "mentions_in",
    "normalise_tag",
    "tags_in",
]
