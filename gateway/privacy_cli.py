"""``townhall sar export``, ``townhall erase`` and ``townhall retention run``: answering a
subject-access or erasure request, and the retention run, from the command line.

Each reads the gateway's settings (``TOWNHALL_*``, or ``TOWNHALL_SETTINGS_FILE``) and opens
the same connectors the gateway does. Exports and erasures are recorded in the audit trail
with the viewer ``operator:<--by>`` (default: the login name), the role ``operator`` and a
request id made for the run (printed); an export is written only once its audit row is,
and an erasure whose audit row could not be written says so (run it again: it changes
nothing more, and records it). ``--dry-run`` changes and records nothing.

Exit status: 0 done; 1 no such person; 2 cannot (settings, a source or the database).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import sys
import uuid
from pathlib import Path
from typing import Any

from connectors.directory import DirectoryError
from connectors.social import SocialError
from connectors.social.audit import AuditEntry

from .data_protection import OPERATOR, Subject, SubjectAccess, encode_export, write_private
from .retention import run_retention
from .settings import Settings, load_settings

COMMANDS = ("sar", "erase", "retention")
DONE, NO_SUCH_PERSON, FAILED = 0, 1, 2


def add_commands(commands: Any) -> None:
    """Add ``sar``, ``erase`` and ``retention`` to the ``townhall`` parser's subcommands."""
    sar = commands.add_parser("sar", help="answer a subject-access request")
    sar_commands = sar.add_subparsers(dest="sar_command", required=True)
    export = sar_commands.add_parser(
        "export", help="write everything Townhall holds and shows about a person to a JSON file"
    )
    export.add_argument("--output", type=Path, required=True, help="the JSON file to write")
    erase = commands.add_parser("erase", help="erase a person's social data (see the README)")
    erase.add_argument(
        "--dry-run", action="store_true", help="say what it would do; change nothing"
    )
    for sub in (export, erase):
        sub.add_argument(
            "--account", required=True, help="account name, user principal name or directory GUID"
        )
        sub.add_argument(
            "--by", default=None, help="who is running it, for the audit trail (default: login)"
        )
    retention = commands.add_parser("retention", help="purge what the retention settings say")
    retention_commands = retention.add_subparsers(dest="retention_command", required=True)
    run = retention_commands.add_parser("run", help="run the retention run now")
    run.add_argument("--dry-run", action="store_true", help="say what it would do; change nothing")


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except Exception as exc:  # pydantic's error may quote values: name the kind only
        _say(args.command, f"the settings cannot be read ({type(exc).__name__})")
        return FAILED
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from .app import open_upstreams  # the connectors, opened as the gateway opens them

    async with contextlib.AsyncExitStack() as stack:
        try:
            access = SubjectAccess(settings, open_upstreams(settings, stack))
            if args.command == "retention":
                return await _retention(access, dry_run=args.dry_run)
            subject = await access.find(args.account)
            if subject is None:
                _say(args.command, f"no one in the directory is {args.account!r}")
                return NO_SUCH_PERSON
            by = f"operator:{args.by or _login()}"
            if args.command == "sar":
                return await _export(access, subject, args.output, by=by)
            return await _erase(access, subject, by=by, dry_run=args.dry_run)
        except DirectoryError as exc:
            _say(args.command, f"the directory is not answering ({type(exc).__name__})")
        except SocialError as exc:
            _say(args.command, f"the social store failed ({exc}); is it reachable and migrated?")
        return FAILED


async def _export(access: SubjectAccess, subject: Subject, output: Path, *, by: str) -> int:
    request_id = uuid.uuid4().hex
    document = await access.export(subject, request_id=request_id, by=by)
    await access.record([AuditEntry(by, subject.guid, "export", OPERATOR, "export", request_id)])
    await asyncio.to_thread(write_private, output, encode_export(document))
    sections = document["sections"]
    rows = sum(len(s["rows"]) for s in sections.values())
    sys.stdout.write(f"exported {subject.label}: {rows} rows in {len(sections)} sections\n")
    for name, section in sections.items():
        note = "" if section["status"] == "ok" else f" ({section['status']})"
        if section["rows"] or note:
            sys.stdout.write(f"  {name}: {len(section['rows'])}{note}\n")
    sys.stdout.write(f"written to {output}; recorded in the audit trail (request {request_id})\n")
    return DONE


async def _erase(access: SubjectAccess, subject: Subject, *, by: str, dry_run: bool) -> int:
    if subject.person is None:
        sys.stdout.write(
            f"{subject.guid} is not in the directory: mentions of them in text stay as written\n"
        )
    erasure = await access.erase(subject, dry_run=dry_run)
    verb = "would change" if dry_run else "changed"
    if not erasure.changes:
        sys.stdout.write(f"erase {subject.label}: nothing of theirs is left to erase\n")
    else:
        sys.stdout.write(f"erase {subject.label}: {verb}\n")
        for key, rows in erasure.changes.items():
            sys.stdout.write(f"  {key}: {rows}\n")
    if dry_run:
        sys.stdout.write("dry run: nothing was changed or recorded\n")
        return DONE
    request_id = uuid.uuid4().hex
    try:
        await access.record([AuditEntry(by, subject.guid, "erase", OPERATOR, "erase", request_id)])
    except SocialError:
        _say("erase", "erased, but the audit trail could not record it: run it again to record it")
        return FAILED
    sys.stdout.write(f"recorded in the audit trail (request {request_id})\n")
    return DONE


async def _retention(access: SubjectAccess, *, dry_run: bool) -> int:
    run = await run_retention(access, dry_run=dry_run)
    s = access.settings.retention
    verb = "would purge" if dry_run else "purged"
    sys.stdout.write(
        f"deleted comments older than {s.deleted_comment_days} days: {verb} "
        + (", ".join(f"{k} {v}" for k, v in run.purged.items()) or "nothing")
        + "\n"
    )
    sys.stdout.write(
        f"leavers gone more than {s.leaver_days} days: {len(run.erased)} "
        f"{'would be erased' if dry_run else 'erased'}\n"
    )
    for erasure in run.erased:
        sys.stdout.write(f"  {erasure.person}: {erasure.changed} rows\n")
    if run.leavers_waiting:
        sys.stdout.write(f"  {run.leavers_waiting} wait: the directory did not answer\n")
    if not dry_run:
        sys.stdout.write(f"expired exports deleted: {run.exports_swept}\n")
    return FAILED if run.leavers_waiting else DONE


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _say(command: str, message: str) -> None:
    sys.stderr.write(f"townhall {command}: {message}\n")
