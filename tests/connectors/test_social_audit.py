"""The audit trail on SQLite and PostgreSQL: appends chain every row to the one before,
`verify` finds a changed row, a deleted row (in the middle or the newest), a row added
outside Townhall and a rewritten chain (with an anchor), the database refuses updates and
deletes, and concurrent appends from several store instances never fork the chain."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from connectors.social import SocialStore, SocialUnavailable
from connectors.social.audit import GENESIS, AuditEntry, chain_hash


def entry(n: int, *, viewer: str = "hr-1", subject: str | None = None) -> AuditEntry:
    return AuditEntry(viewer, subject or f"person-{n}", "grade", "hr", "read", f"req-{n}")


async def tamper(store: SocialStore, *statements: str) -> None:
    """Run ``statements`` as someone with write access to the database would: past the
    triggers that refuse updates and deletes of audit rows."""
    async with store.engine.begin() as connection:
        if store.dialect == "postgresql":
            await connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            await connection.execute(text("ALTER TABLE audit_head DISABLE TRIGGER USER"))
        else:
            for name in ("audit_log_no_update", "audit_log_no_delete", "audit_head_forward_only"):
                await connection.execute(text(f"DROP TRIGGER {name}"))
        for statement in statements:
            await connection.execute(text(statement))


@pytest.fixture
async def filled(store: SocialStore) -> AsyncIterator[SocialStore]:
    """Ten rows in three appends."""
    at = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
    await store.audit.append([entry(n) for n in range(1, 5)], at=at)
    await store.audit.append([entry(n) for n in range(5, 8)], at=at + timedelta(seconds=1))
    await store.audit.append([entry(n) for n in range(8, 11)])
    yield store


async def test_an_empty_trail_verifies(store: SocialStore) -> None:
    found = await store.audit.verify()
    assert (found.ok, found.rows, found.head_hash, found.broken_row) == (True, 0, GENESIS, None)
    assert await store.audit.rows() == []


async def test_rows_chain_each_to_the_one_before(filled: SocialStore) -> None:
    rows = await filled.audit.rows()
    assert [r.id for r in rows] == list(range(1, 11))
    assert rows[0].prev_hash == GENESIS
    for before, row in itertools.pairwise(rows):
        assert row.prev_hash == before.row_hash
    first = rows[0]
    assert first.at == datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
    assert (first.viewer, first.subject, first.record, first.role, first.request_id) == (
        "hr-1", "person-1", "grade", "hr", "req-1",
    )  # fmt: skip
    assert first.row_hash == chain_hash(1, first.at, entry(1), GENESIS)
    found = await filled.audit.verify()
    assert (found.ok, found.rows, found.head_hash) == (True, 10, rows[-1].row_hash)


async def test_rows_are_filtered_and_keyset_paged(store: SocialStore) -> None:
    await store.audit.append(
        [entry(1, viewer="a", subject="s"), entry(2, viewer="b", subject="s"),
         entry(3, viewer="a", subject="t"), entry(4, viewer="a", subject="s")]
    )  # fmt: skip
    assert [r.id for r in await store.audit.rows(subject="s")] == [1, 2, 4]
    assert [r.id for r in await store.audit.rows(viewer="a")] == [1, 3, 4]
    assert [r.id for r in await store.audit.rows(viewer="a", subject="s")] == [1, 4]
    assert [r.id for r in await store.audit.rows(limit=2)] == [1, 2]
    assert [r.id for r in await store.audit.rows(after=2, limit=2)] == [3, 4]
    assert [r.id for r in await store.audit.rows(newest_first=True, limit=3)] == [4, 3, 2]
    assert [r.id for r in await store.audit.rows(newest_first=True, after=2)] == [1]
    with pytest.raises(ValueError):
        await store.audit.rows(limit=0)


async def test_an_entry_that_does_not_fit_is_refused_and_nothing_is_written(
    store: SocialStore,
) -> None:
    for subject in ("x" * 256, "", "a\x00b", "\ud800"):
        bad = AuditEntry("v", subject, "grade", "hr", "read", "r")
        with pytest.raises(ValueError):
            await store.audit.append([entry(0), bad])
    assert await store.audit.rows() == []


@pytest.mark.parametrize("column", ["subject", "role", "at", "prev_hash", "row_hash"])
async def test_a_changed_row_is_found(filled: SocialStore, column: str) -> None:
    value = {
        "subject": "'someone-else'",
        "role": "'manager_chain'",
        "at": "'2026-03-01 09:30:00.123457'",
        "prev_hash": f"'{'1' * 64}'",
        "row_hash": f"'{'2' * 64}'",
    }[column]
    if column == "at" and filled.dialect == "postgresql":
        value = "at + interval '1 microsecond'"  # the smallest change the column holds
    await tamper(filled, f"UPDATE audit_log SET {column} = {value} WHERE id = 6")
    found = await filled.audit.verify()
    assert not found.ok
    assert found.rows == 5  # the rows before it are sound
    assert found.broken_row == 6, found
    assert found.reason


async def test_a_deleted_row_in_the_middle_is_found(filled: SocialStore) -> None:
    await tamper(filled, "DELETE FROM audit_log WHERE id = 4")
    found = await filled.audit.verify()
    assert (found.ok, found.rows, found.broken_row) == (False, 3, 4)
    assert found.reason == "missing (the next row is 5)"


async def test_a_deleted_row_renumbered_to_close_the_gap_is_found(filled: SocialStore) -> None:
    await tamper(
        filled,
        "DELETE FROM audit_log WHERE id = 4",
        "UPDATE audit_log SET id = id - 1 WHERE id > 4",
        "UPDATE audit_head SET row_count = 9",
    )
    found = await filled.audit.verify()
    assert (found.ok, found.broken_row) == (False, 4)


async def test_the_first_row_deleted_is_found(filled: SocialStore) -> None:
    await tamper(filled, "DELETE FROM audit_log WHERE id = 1")
    found = await filled.audit.verify()
    assert (found.ok, found.rows, found.broken_row) == (False, 0, 1)


async def test_the_newest_rows_deleted_are_found(filled: SocialStore) -> None:
    await tamper(filled, "DELETE FROM audit_log WHERE id >= 9")
    found = await filled.audit.verify()
    assert (found.ok, found.rows, found.broken_row) == (False, 8, 9)
    assert found.reason and "chain head records 10 rows" in found.reason


async def test_a_rewound_head_is_found_only_by_an_earlier_anchor(filled: SocialStore) -> None:
    earlier = await filled.audit.verify()
    [eighth] = await filled.audit.rows(after=7, limit=1)
    await tamper(
        filled,
        "DELETE FROM audit_log WHERE id >= 9",
        f"UPDATE audit_head SET row_count = 8, last_hash = '{eighth.row_hash}'",
    )
    # Whoever can rewrite the head can cut the chain short: the chain alone agrees...
    assert (await filled.audit.verify()).ok
    # ...but not with a head kept elsewhere.
    found = await filled.audit.verify(anchor=(earlier.rows, earlier.head_hash))
    assert (found.ok, found.broken_row) == (False, 10)
    assert (await filled.audit.verify(anchor=(8, eighth.row_hash))).ok
    changed = await filled.audit.verify(anchor=(8, "f" * 64))
    assert (changed.ok, changed.broken_row) == (False, 8)


async def test_a_row_added_outside_townhall_is_found_and_stops_appends(
    filled: SocialStore,
) -> None:
    await tamper(
        filled,
        "INSERT INTO audit_log (id, at, viewer, subject, record, role, operation, request_id,"
        f" prev_hash, row_hash) VALUES (11, '2026-03-02 10:00:00', 'x', 'y', 'grade', 'hr',"
        f" 'read', 'r', '{'0' * 64}', '{'0' * 64}')",
    )
    found = await filled.audit.verify()
    assert (found.ok, found.rows, found.broken_row) == (False, 10, 11)
    with pytest.raises(SocialUnavailable):
        await filled.audit.append([entry(99)])
    assert len(await filled.audit.rows()) == 11


async def test_the_database_refuses_to_change_or_delete_audit_rows(filled: SocialStore) -> None:
    statements = (
        "UPDATE audit_log SET subject = 'x' WHERE id = 2",
        "DELETE FROM audit_log WHERE id = 10",
        "DELETE FROM audit_head",
        "UPDATE audit_head SET row_count = 3",
    ) + (("TRUNCATE audit_log",) if filled.dialect == "postgresql" else ())
    for statement in statements:
        with pytest.raises(DBAPIError):
            async with filled.engine.begin() as connection:
                await connection.execute(text(statement))
    assert (await filled.audit.verify()).ok


async def test_concurrent_appends_from_several_instances_never_fork_the_chain(
    store: SocialStore, social_url: str
) -> None:
    other = SocialStore.open(social_url)  # a second gateway instance on the same database
    try:
        stores = [store, other]
        batches = [[entry(n * 10 + k, viewer=f"v{n}") for k in range(3)] for n in range(60)]
        await asyncio.gather(
            *(stores[n % 2].audit.append(batch) for n, batch in enumerate(batches))
        )
        found = await store.audit.verify()
        assert (found.ok, found.rows) == (True, 180), found
        rows = await store.audit.rows(limit=1000)
        assert [r.id for r in rows] == list(range(1, 181))
        # Each append's entries are consecutive and in order: one transaction each.
        for n in range(60):
            ids = [r.id for r in rows if r.viewer == f"v{n}"]
            assert ids == list(range(ids[0], ids[0] + 3))
            assert [r.subject for r in rows if r.viewer == f"v{n}"] == [
                e.subject for e in batches[n]
            ]
    finally:
        await other.close()
