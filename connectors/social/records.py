"""The social store's records: plain, frozen values handed to the schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Follow:
    id: int
    follower: str
    target_kind: str
    target: str
    created_at: datetime
    notify: bool = True


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    author: str
    target_kind: str
    target: str
    parent_id: str | None
    body: str
    created_at: datetime
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    hidden_at: datetime | None = None
    document: str | None = None


@dataclass(frozen=True, slots=True)
class Revision:
    """Text a comment held before an edit."""

    body: str
    written_at: datetime
    replaced_at: datetime
    replaced_by: str


@dataclass(frozen=True, slots=True)
class Written:
    """The outcome of a create: the item, and whether a retry key replayed it."""

    id: str
    replayed: bool


@dataclass(frozen=True, slots=True)
class ActivityEvent:
    id: int
    actor: str
    verb: str
    object_kind: str
    object_id: str
    target_kind: str | None
    target_id: str | None
    audience: str
    document: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    recipient: str
    kind: str
    activity_id: int | None
    report_id: str | None
    actor: str | None
    document: str | None
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True, slots=True)
class ProfileField:
    value: str
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class ProfileTag:
    tag: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Report:
    id: str
    reporter: str
    item_kind: str
    item_id: str
    reason: str
    document: str | None
    created_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    note: str | None


@dataclass(frozen=True, slots=True)
class TopicSignals:
    """What the store knows of who knows about a topic."""

    declared: dict[str, int] = field(default_factory=dict)  # person -> endorsements
    interested: set[str] = field(default_factory=set)
    # (author, document or None) -> comments carrying #topic
    tagged_comments: dict[tuple[str, str | None], int] = field(default_factory=dict)
    # (author, document) -> comments on the given documents
    document_comments: dict[tuple[str, str], int] = field(default_factory=dict)
