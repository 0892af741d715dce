"""Arguments many fields share, each with the description GraphiQL shows for it.

A field's own arguments are described where the field is; these are the ones repeated
across the schema (paging, leavers), written once so that they read the same everywhere.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from .pagination import MAX_PAGE

First = Annotated[
    int,
    strawberry.argument(
        description=f"How many items this page holds: 0 to {MAX_PAGE} (0 answers only "
        "`totalCount` and `pageInfo`)."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Start after this cursor: the `pageInfo.endCursor` of the page before "
        "(or an edge's `cursor`). Null starts at the beginning. Cursors are opaque."
    ),
]
IncludeLeavers = Annotated[
    bool,
    strawberry.argument(
        description="Also list leavers: people whose directory account is disabled or has "
        "expired (`isActive: false`)."
    ),
]

__all__ = ["After", "First", "IncludeLeavers"]
