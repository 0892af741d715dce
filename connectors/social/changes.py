"""What a committed write changed, told to the store's change listeners.

Each write transaction (``StoreBase._begin``) gathers, as it goes, what live readers care
about: comments added, edited or deleted (with the item they are on), notifications
created (with their recipient), activity events recorded, and documents whose change was
recorded. Only once the transaction has committed does the store hand the gathered
``StoreChanges`` to each of ``StoreBase.change_listeners``; a rolled-back write tells no
one. A listener that fails is logged at WARNING once (until it next succeeds) and never
fails or undoes the write: the write has committed before any listener runs.

Code that writes inside a store transaction notes its changes with ``changes_of(connection)``;
the gathering rides on the connection's ``info`` for the transaction's length only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

log = logging.getLogger(__name__)

CommentChangeKind = Literal["added", "edited", "deleted"]
_KEY = "townhall.store_changes"


@dataclass(frozen=True, slots=True)
class CommentChange:
    """A comment added, edited or deleted (hidden by a moderator and erased count as
    deleted), on the item ``(target_kind, target)``: ``person``, ``document`` or
    ``activity`` and its key."""

    change: CommentChangeKind
    comment_id: str
    target_kind: str
    target: str


@dataclass(slots=True)
class StoreChanges:
    """What one committed transaction wrote, in the order written."""

    comments: list[CommentChange] = field(default_factory=list)
    notifications: list[tuple[int, str]] = field(default_factory=list)  # (id, recipient GUID)
    events: list[int] = field(default_factory=list)  # activity event ids
    documents: list[str] = field(default_factory=list)  # paths whose change was recorded

    def __bool__(self) -> bool:
        return bool(self.comments or self.notifications or self.events or self.documents)

    def comment(self, change: CommentChangeKind, comment_id: str, kind: str, target: str) -> None:
        self.comments.append(CommentChange(change, comment_id, kind, target))

    def comments_deleted(self, rows: Iterable[Any]) -> None:
        """Note each of ``rows`` (``id``, ``target_kind``, ``target``) as deleted."""
        for row in rows:
            self.comment("deleted", row.id, row.target_kind, row.target)


ChangeListener = Callable[[StoreChanges], Awaitable[None]]


def begin_changes(connection: Any) -> StoreChanges:
    """Start gathering the changes of the transaction on ``connection``."""
    changes = StoreChanges()
    connection.info[_KEY] = changes
    return changes


def end_changes(connection: Any) -> None:
    connection.info.pop(_KEY, None)


def changes_of(connection: Any) -> StoreChanges:
    """The changes gathered for the transaction on ``connection`` (a throwaway for a
    connection the store did not begin: migrations, seeding)."""
    found = connection.info.get(_KEY)
    return found if isinstance(found, StoreChanges) else StoreChanges()


class ChangeListeners(list[ChangeListener]):
    """The listeners a store tells after each commit that changed something."""

    def __init__(self) -> None:
        super().__init__()
        self._failing: set[int] = set()  # listeners (by id) whose failure was logged

    async def tell(self, changes: StoreChanges) -> None:
        for listener in list(self):
            try:
                await listener(changes)
            except Exception as exc:
                if id(listener) not in self._failing:
                    self._failing.add(id(listener))
                    log.warning(
                        "a store change listener failed (%s); the write stands, and further "
                        "failures are not logged until it succeeds again",
                        type(exc).__name__,
                    )
            else:
                if self._failing and id(listener) in self._failing:
                    self._failing.discard(id(listener))
                    log.info("a store change listener succeeds again")
