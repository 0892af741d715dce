"""``townhall audit verify`` and ``townhall audit list``: the audit trail from the command line.

``verify`` walks the hash chain of the social store's audit trail and exits 0 when it
is whole, 1 naming the first broken row when it is not, 2 when it cannot look (no
database, not migrated, unreachable). It prints the chain head (``ROWS:HASH``): kept
somewhere the database's administrators cannot write, it lets a later
``verify --anchor ROWS:HASH`` show that the chain was not cut short or rewritten.
Neither command writes to the database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from connectors.social import SocialError, SocialStore

from .settings import load_settings

OK, BROKEN, FAILED = 0, 1, 2


def run_audit(args: argparse.Namespace) -> int:
    url = args.database_url or _configured_url()
    if url is None:
        return FAILED
    problem = _unusable(url)
    if problem:
        _say(problem)
        return FAILED
    if args.audit_command == "verify":
        anchor = _anchor(args.anchor)
        if args.anchor is not None and anchor is None:
            _say("--anchor takes ROWS:HASH, as `townhall audit verify` prints the head")
            return FAILED
        return asyncio.run(_verify(url, anchor))
    if not 1 <= args.limit <= 1000:
        _say("--limit must be between 1 and 1000")
        return FAILED
    return asyncio.run(_list(url, args))


async def _verify(url: str, anchor: tuple[int, str] | None) -> int:
    store = SocialStore.open(url, pool_size=1)
    try:
        found = await store.audit.verify(anchor=anchor)
    except SocialError:
        _say("the audit trail could not be read (is the database reachable and migrated?)")
        return FAILED
    finally:
        await store.close()
    if found.ok:
        sys.stdout.write(
            f"audit trail verified: {found.rows} rows\nhead {found.rows}:{found.head_hash}\n"
        )
        return OK
    sys.stdout.write(
        f"audit trail BROKEN at row {found.broken_row}: {found.reason}\n"
        f"{found.rows} rows before it are sound (head {found.rows}:{found.head_hash})\n"
    )
    return BROKEN


async def _list(url: str, args: argparse.Namespace) -> int:
    store = SocialStore.open(url, pool_size=1)
    try:
        rows = await store.audit.rows(
            subject=args.subject, viewer=args.viewer, after=args.after, limit=args.limit
        )
    except SocialError:
        _say("the audit trail could not be read (is the database reachable and migrated?)")
        return FAILED
    finally:
        await store.close()
    for row in rows:
        if args.json:
            line = json.dumps(
                {"id": row.id, "at": row.at.isoformat(), "viewer": row.viewer,
                 "subject": row.subject, "record": row.record, "role": row.role,
                 "operation": row.operation, "requestId": row.request_id},
                ensure_ascii=False,
            )  # fmt: skip
        else:
            line = (
                f"{row.id}\t{row.at.isoformat(timespec='seconds')}\t{row.viewer}\t{row.subject}"
                f"\t{row.record}\t{row.role}\t{row.operation}\t{row.request_id}"
            )
        sys.stdout.write(line + "\n")
    return OK


def _configured_url() -> str | None:
    try:
        return load_settings().social.database_url
    except Exception as exc:  # pydantic's error may quote values: name the kind only
        _say(f"the settings cannot be read ({type(exc).__name__}); pass --database-url")
        return None


def _unusable(url: str) -> str | None:
    """Why ``url`` cannot be checked, or ``None``: a missing SQLite file would be created."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "--database-url is not a database URL"
    if parsed.get_backend_name() != "sqlite":
        return None
    path = parsed.database or ""
    if not path or path == ":memory:" or not Path(path).is_file():
        return f"no database file at {path or '(none)'}"
    return None


def _anchor(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    rows, _, digest = value.partition(":")
    if not rows.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        return None
    return int(rows), digest


def _say(message: str) -> None:
    sys.stderr.write(f"townhall audit: {message}\n")
