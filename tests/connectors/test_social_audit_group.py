"""Appends made together share one transaction (group commit), and each caller returns
only once its own rows are committed, in its own order, on a chain that verifies."""

from __future__ import annotations

import asyncio

from connectors.social import SocialStore
from connectors.social.audit import AuditEntry


def entry(n: int) -> AuditEntry:
    return AuditEntry("hr-1", f"person-{n}", "grade", "hr", "read", f"req-{n}")


async def test_concurrent_appends_share_transactions_and_keep_their_order(
    store: SocialStore,
) -> None:
    before = store.calls
    appends = [[entry(10 * a + i) for i in range(3)] for a in range(20)]
    await asyncio.gather(*(store.audit.append(entries) for entries in appends))
    transactions = store.calls - before
    # The first append is written alone; the 19 that arrived meanwhile wait and share.
    assert transactions < len(appends) / 2, transactions
    rows = await store.audit.rows()
    assert len(rows) == 60
    subjects = [r.subject for r in sorted(rows, key=lambda r: r.id)]
    for entries in appends:  # each append's rows stay together and in order
        first = subjects.index(entries[0].subject)
        assert subjects[first : first + 3] == [e.subject for e in entries]
    assert (await store.audit.verify()).ok


async def test_an_append_returns_once_its_rows_are_committed(store: SocialStore) -> None:
    await store.audit.append([entry(1)])
    assert [r.subject for r in await store.audit.rows()] == ["person-1"]


async def test_a_cancelled_writer_leaves_no_append_waiting(store: SocialStore) -> None:
    """The writer cancelled mid-write (shutdown): the appends queued behind it are told
    at once, not left waiting for an append that may never come."""
    first = asyncio.ensure_future(store.audit.append([entry(100)]))
    await asyncio.sleep(0)  # the writer has started on the first
    queued = asyncio.ensure_future(store.audit.append([entry(101)]))
    await asyncio.sleep(0)
    writer = store.audit._writer
    assert writer is not None and not writer.done()
    writer.cancel()
    _done, pending = await asyncio.wait({first, queued}, timeout=5)
    assert not pending
    assert queued.cancelled() or isinstance(queued.exception(), asyncio.CancelledError)
    await store.audit.append([entry(102)])  # a new writer serves the next append
    assert (await store.audit.verify()).ok
