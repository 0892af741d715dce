"""Relay connections: generic edges, page info, and slicing helpers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from .errors import BadInput
from .ids import cursor, parse_cursor

T = TypeVar("T")
R = TypeVar("R")

MAX_PAGE = 100


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items come before this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item; pass as `after`."
    )


@strawberry.type(description="An item of a page, with the cursor that points at it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list (Relay cursor connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    total_count: int | None = strawberry.field(
        description="How many items the whole list holds, where that is cheap to know."
    )

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def check_first(first: int) -> int:
    if first < 0 or first > MAX_PAGE:
        raise BadInput(f"`first` must be between 0 and {MAX_PAGE}.", field="first")
    return first


_UNSET = object()


def keyset_page(
    edges: list[Edge[T]], *, more: bool, after: str | None, end_cursor: object = _UNSET
) -> Connection[T]:
    """A keyset page: ``edges`` as found, ``more`` when items follow. ``end_cursor`` is
    where the next page starts when that is not the last edge (items were trimmed)."""
    end = (edges[-1].cursor if edges else None) if end_cursor is _UNSET else end_cursor
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=end,  # type: ignore[arg-type]
        ),
        total_count=None,
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
            has_next_page=start + first < len(items),
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=len(items),
    )
