"""Relay connections: generic edges, page info, and slicing helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from .errors import BadInput, upstream
from .ids import cursor, parse_cursor

T = TypeVar("T")
R = TypeVar("R")
Counter = Callable[[], Awaitable[int]]

MAX_PAGE = 100


Probe = Callable[[], Awaitable[bool]]


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    # Known (a bool), or a probe run only when a client asks: a count-only page
    # (``first: 0``) reads no items unless ``hasNextPage`` is selected.
    more: strawberry.Private[bool | Probe]
    has_previous_page: bool = strawberry.field(description="Items come before this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item; pass as `after`."
    )

    @strawberry.field(description="More items follow this page.")
    def has_next_page(self) -> bool:
        # A plain value when known; the probe's awaitable otherwise (graphql-core awaits it).
        return self.more if isinstance(self.more, bool) else self.more()  # type: ignore[return-value]


@strawberry.type(description="An item of a page, with the cursor that points at it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list (Relay cursor connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    total: strawberry.Private[int | None] = None  # known already (an in-memory list)
    counter: strawberry.Private[Counter | None] = None  # counts the list, when asked

    @strawberry.field(
        description="How many items the whole list holds, as the viewer may see it (what "
        "they may not read is not counted; an aggregated feed counts its items, not its "
        "events). Counted only when asked for, in one count per list, batched across the "
        "items of a page. Null only when the source that holds the list cannot answer."
    )
    async def total_count(self) -> int | None:
        if self.total is not None:
            return self.total
        return await upstream(self.counter()) if self.counter is not None else None

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def check_first(first: int) -> int:
    if first < 0 or first > MAX_PAGE:
        raise BadInput(f"`first` must be between 0 and {MAX_PAGE}.", field="first")
    return first


_UNSET = object()


def keyset_page(
    edges: list[Edge[T]],
    *,
    more: bool | Probe,
    after: str | None,
    end_cursor: object = _UNSET,
    count: Counter | None = None,
) -> Connection[T]:
    """A keyset page: ``edges`` as found, ``more`` when items follow. ``end_cursor`` is
    where the next page starts when that is not the last edge (items were trimmed);
    ``count`` counts the whole list (through the gate), awaited only for ``totalCount``;
    ``more`` may be a probe, run only for ``hasNextPage``."""
    end = (edges[-1].cursor if edges else None) if end_cursor is _UNSET else end_cursor
    return Connection(
        edges=edges,
        page_info=PageInfo(
            more=more,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=end,  # type: ignore[arg-type]
        ),
        counter=count,
    )


def offset_page(
    items: Sequence[R], first: int, after: str | None, wrap: Callable[[R], T]
) -> Connection[T]:
    """A page of an in-memory list of records, with offset cursors; only the page's
    records are wrapped in GraphQL objects."""
    check_first(first)
    start = 0 if after is None else (parse_cursor(after) or 0) + 1
    if start < 0:
        raise BadInput("Not a valid cursor.", field="after")
    window = items[start : start + first]
    edges = [Edge(cursor=cursor(start + i), node=wrap(item)) for i, item in enumerate(window)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            more=start + first < len(items),
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total=len(items),
    )
