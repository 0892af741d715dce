"""The typed context every resolver receives: who is asking, and the per-request loaders.

The gateway builds one per request (loaders are new each time, so batching and
deduplication never leak between viewers). Resolvers read the directory and HR
from ``loaders``, and documents and the social store only through ``scope``, the
access gate's readers for this viewer (``schema.scope``); they never open a
connection themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from connectors.directory import DirectoryConnector, DirectoryGroup, DirectoryPerson
from connectors.documents import FolderAccess
from connectors.hr import HRRecord
from connectors.social.audit import AuditEntry, AuditLog

from .scope import ViewerScope
from .vocabulary import Vocabulary

K = TypeVar("K")
V = TypeVar("V")


class SharedLoader(DataLoader[K, V]):
    """A DataLoader whose answers survive a waiter's cancellation.

    Many fields wait on one key's future. When a non-null field fails, graphql-core
    cancels its siblings, and cancelling a task cancels the future it awaits: the
    shared future, so every other field waiting on the same key, in branches that
    were never cancelled, got ``CancelledError`` (which no error handling catches).
    Each waiter gets its own shield instead.

    ``peek``, when given, answers a key at once when it can (a record fresh in the
    in-memory cache): a list with its value, else ``None``; the key then joins no batch.
    """

    def __init__(
        self,
        load_fn: Callable[[list[K]], Awaitable[Sequence[V | BaseException]]],
        max_batch_size: int | None = None,
        *,
        peek: Callable[[K], list[V] | None] | None = None,
    ) -> None:
        super().__init__(load_fn=load_fn, max_batch_size=max_batch_size)
        self._peek = peek

    def load(self, key: K) -> Awaitable[V]:
        known = self.cache_map.get(key)
        if known is None or known.cancelled():
            found = self._peek(key) if self._peek is not None else None
            if found is not None:
                known = self.loop.create_future()
                known.set_result(found[0])
                self.cache_map.set(key, known)
                return known
            known = super().load(key)  # type: ignore[assignment]
            assert known is not None
        # A settled future cannot be cancelled by its waiters: no shield needed (a page
        # asks for the same manager, group or document many times in one request).
        return known if known.done() else asyncio.shield(known)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person."""

    person: DirectoryPerson

    @property
    def guid(self) -> str:
        return self.person.guid


class Loaders(Protocol):
    """Per-request DataLoaders of the directory and HR: one upstream call per source per
    batch. Documents and social data are read through ``Context.scope``. The gateway
    makes each one when it is first read (``gateway.loaders``)."""

    @property
    def person(self) -> DataLoader[str, DirectoryPerson | None]: ...  # by objectGUID
    @property
    def person_by_dn(self) -> DataLoader[str, DirectoryPerson | None]: ...
    @property
    def person_by_upn(self) -> DataLoader[str, DirectoryPerson | None]: ...
    @property
    def person_by_account(self) -> DataLoader[str, DirectoryPerson | None]: ...  # sAMAccountName
    @property
    def reports(self) -> DataLoader[str, list[DirectoryPerson]]: ...  # by manager DN
    @property
    def groups(self) -> DataLoader[str, list[DirectoryGroup]]: ...  # by member DN, nested too
    @property
    def group(self) -> DataLoader[str, DirectoryGroup | None]: ...  # by objectGUID
    @property
    def group_by_name(self) -> DataLoader[str, DirectoryGroup | None]: ...  # cn, any case
    @property
    def group_members(self) -> DataLoader[str, list[str]]: ...  # GUIDs in name order, by DN
    @property
    def hr(self) -> DataLoader[str, HRRecord | None]: ...  # by employeeNumber or userName
    @property
    def hr_without_account(self) -> DataLoader[str, list[HRRecord]]: ...  # key "": unjoined
    @property
    def following_count(self) -> DataLoader[str, int]: ...  # people a person follows
    @property
    def people_search(self) -> DataLoader[str, list[str]]: ...  # by "leavers|text", in order
    @property
    def has_photo(self) -> DataLoader[str, bool]: ...  # by objectGUID: the directory holds one


@dataclass(frozen=True, slots=True)
class SocialLimits:
    """Input limits of the social layer."""

    comment_length: int = 5000
    tags_per_item: int = 10
    skills_per_profile: int = 30
    profile_text_length: int = 2000
    report_reason_length: int = 1000
    comments_per_minute: int = 10  # comments and replies one person may post in any 60 s
    mentions_per_comment: int = 10  # people one comment may notify by @mention, in its life


@dataclass(frozen=True, slots=True)
class Policy:
    """Access settings: the schema's, and the ones the gateway's access gate enforces
    (``document_access``, ``document_url``, ``moderator_groups``: schema code asks the
    gate, never these)."""

    hr_join: str  # "employee_number" or "user_name"
    hr_groups: frozenset[str]  # groups whose members hold the HR role
    document_access: FolderAccess
    photo_url: Callable[[str], str]  # person GUID -> URL of their photo, served by the gateway
    # (viewer GUID, document path) -> signed URL streaming its content; None: no downloads
    document_url: Callable[[str, str], str] | None = None
    moderator_groups: frozenset[str] = frozenset({"townhall moderators"})  # casefolded
    data_protection_groups: frozenset[str] = frozenset({"data protection"})  # casefolded
    social_limits: SocialLimits = SocialLimits()
    digest_default: str = "never"  # email digest of who never chose: never|daily|weekly
    vocabulary: Vocabulary = field(default_factory=Vocabulary)  # related terms for experts


@dataclass(slots=True)
class StaleSources:
    """Sources whose records were served past their freshness in this request."""

    oldest: dict[str, float] = field(default_factory=dict)  # source -> oldest fetched_at
    failing: set[str] = field(default_factory=set)  # sources whose refresh is failing

    def note(self, source: str, fetched_at: float, failing: bool) -> None:
        self.oldest[source] = min(fetched_at, self.oldest.get(source, fetched_at))
        if failing:
            self.failing.add(source)


LiveKind = Literal["comment", "notification", "activity", "document"]


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """A pointer to something that just changed in the social store (never its content):
    subscriptions read the item itself through the viewer's gate before sending anything.

    ``key``: the comment id, notification id, activity event id or document path.
    ``change`` (comments): added, edited or deleted; ``target`` (comments): the item it is
    on, as (kind, key); ``recipient`` (notifications): whose it is (a person GUID)."""

    kind: LiveKind
    key: str
    change: str = ""
    target: tuple[str, str] | None = None
    recipient: str | None = None


class LiveEvents(Protocol):
    """Where subscriptions hear of changes (the gateway's ``gateway.live.LiveHub``)."""

    def listen(
        self, kinds: Collection[LiveKind], accept: Callable[[LiveEvent], bool]
    ) -> AsyncGenerator[LiveEvent, None]:
        """Events of ``kinds`` that ``accept`` (cheap, called for every event) lets
        through, as they happen, until the iterator is closed. Raises the gateway's
        ``SlowConsumer`` when they came faster than the reader took them."""
        ...


@dataclass(slots=True)
class Context:
    """What a resolver can use."""

    viewer: Viewer
    loaders: Loaders
    scope: ViewerScope  # documents and the social store, as this viewer may read them
    audit_log: AuditLog  # the append-only trail of restricted reads (``schema.audit``)
    directory: DirectoryConnector
    policy: Policy
    request_id: str
    stale: StaleSources = field(default_factory=StaleSources)
    request: Any = None
    guard: Any = None  # schema.execution.OperationGuard, set when the operation runs
    document: Any = None  # the parsed, validated document the gateway prepared
    # Restricted reads of this request by (subject, record, operation), each once; the
    # gateway writes them in one append after the operation runs (``schema.audit``).
    audit: dict[tuple[str, str, str], AuditEntry] = field(default_factory=dict)
    live: LiveEvents | None = None  # subscriptions' events; None: no subscriptions here
    # Subscriptions, before reading each event: fresh loaders and a fresh gate for the
    # viewer (``loaders``, ``scope``), so nothing read for an earlier event is served.
    renew: Callable[[], Awaitable[None]] | None = None

    def release(self) -> None:
        """Drop what the request held once its answer is built: the Request and the
        document would otherwise stay in reference cycles until a full collection."""
        self.request = None
        self.document = None


Info = StrawberryInfo[Context, None]
