"""Every activity event, comment, reaction, report and notification names its document.

Before this, some events were stored without the document they are about (taking a
reaction back, deleting a comment, unfollowing a document), and so did what hung off
them: a comment on such an activity item, a reaction to it, a report of it, and the
notifications they sent. The access gate judges each item by its stored document, so
this fills the document in wherever it can be found: from a document the row names
itself, else from the comment or activity item it is about. Chains (a comment on an
event about a comment...) are followed oldest link first, pass after pass, until a pass
finds nothing more; every lookup is by primary key. Rows about no document stay so.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_CHUNK = 500  # keys per IN (...) list and rows per executemany
_MAX_PASSES = 20  # far longer than any chain of items about items

# (table, its key, the kind column, the kind, the column naming the item)
_FROM_COMMENTS = (
    ("activity", "id", "object_kind", "comment", "object_id"),
    ("activity", "id", "target_kind", "comment", "target_id"),
    ("reactions", "id", "target_kind", "comment", "target"),
    ("reports", "id", "item_kind", "comment", "item_id"),
)
_FROM_ACTIVITY = (
    ("comments", "id", "target_kind", "activity", "target"),
    ("activity", "id", "object_kind", "activity", "object_id"),
    ("activity", "id", "target_kind", "activity", "target_id"),
    ("reactions", "id", "target_kind", "activity", "target"),
    ("reports", "id", "item_kind", "activity", "item_id"),
)


def upgrade() -> None:
    bind = op.get_bind()
    # Rows that name a document themselves.
    for table, kind, key in (
        ("activity", "object_kind", "object_id"),
        ("activity", "target_kind", "target_id"),
        ("comments", "target_kind", "target"),
        ("reactions", "target_kind", "target"),
    ):
        bind.execute(
            sa.text(
                f"UPDATE {table} SET document = {key} "
                f"WHERE document IS NULL AND {kind} = 'document'"
            )
        )
    # Rows about a comment or an activity item take that item's document.
    for _ in range(_MAX_PASSES):
        changed = sum(_fill(bind, *spec, source="comments") for spec in _FROM_COMMENTS)
        changed += sum(_fill(bind, *spec, source="activity") for spec in _FROM_ACTIVITY)
        if not changed:
            break
    for column, source in (("activity_id", "activity"), ("report_id", "reports")):
        _fill(bind, "notifications", "id", None, None, column, source=source)
    bind.execute(
        sa.text(
            "UPDATE activity SET audience = 'document' "
            "WHERE document IS NOT NULL AND audience <> 'document'"
        )
    )


def _fill(
    bind: Any,
    table: str,
    key: str,
    kind_column: str | None,
    kind: str | None,
    item_column: str,
    *,
    source: str,
) -> int:
    """Give ``table``'s rows without a document the document of the ``source`` row their
    ``item_column`` names; how many rows changed."""
    where = f"document IS NULL AND {item_column} IS NOT NULL"
    if kind_column is not None:
        where += f" AND {kind_column} = :kind"
    rows = bind.execute(
        sa.text(f"SELECT {key}, {item_column} FROM {table} WHERE {where}"), {"kind": kind}
    ).all()
    numeric = source == "activity"
    wanted = sorted({_item_key(r[1], numeric) for r in rows} - {None}, key=str)
    documents: dict[Any, str] = {}
    lookup = sa.text(
        f"SELECT id, document FROM {source} WHERE document IS NOT NULL AND id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    for chunk in _chunks(wanted):
        documents.update((k, d) for k, d in bind.execute(lookup, {"ids": chunk}).all())
    changes = [
        {"key": r[0], "document": documents[item]}
        for r in rows
        if (item := _item_key(r[1], numeric)) in documents
    ]
    update = sa.text(f"UPDATE {table} SET document = :document WHERE {key} = :key")
    for chunk in _chunks(changes):
        bind.execute(update, chunk)
    return len(changes)


def _item_key(value: Any, numeric: bool) -> Any:
    """An item's key as its table holds it (activity ids are numbers, kept as text)."""
    if not numeric:
        return value
    text = str(value)
    return int(text) if text.isdigit() else None


def _chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def downgrade() -> None:
    pass  # the documents filled in are right under every revision: nothing to undo
