"""``townhall digests send``: a round of email digests from the command line (cron, or to
try the SMTP settings), exactly as the web process's scheduler runs it.

It reads the gateway's settings (``TOWNHALL_*``), opens the same connectors, and runs the
round of each period (``--period``: one of them) due now; ``--person`` (account name,
UPN or directory GUID) only that person's digest, still by their choice; ``--dry-run``
says who would get what and claims, sends and marks nothing. Rounds from the CLI and
from any number of gateway instances may overlap: each digest is sent once.

Exit status: 0 done (nothing failed); 1 no such person; 2 cannot (settings, a source, the
database), or some digests failed and wait for the next round.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
from datetime import UTC, datetime
from typing import Any

from connectors.directory import DirectoryError, LookupField
from connectors.social import SocialError

from ..settings import Settings, load_settings
from .content import gate_policy
from .periods import KINDS
from .rounds import Digests, RoundReport

COMMAND = "digests"
DONE, NO_SUCH_PERSON, FAILED = 0, 1, 2
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def add_commands(commands: Any) -> None:
    """Add ``digests send`` to the ``townhall`` parser's subcommands."""
    digests = commands.add_parser("digests", help="email digests of unread notifications")
    sub = digests.add_subparsers(dest="digests_command", required=True)
    send = sub.add_parser("send", help="send the digests due now (each digest once)")
    send.add_argument("--period", choices=KINDS, default=None, help="only this period")
    send.add_argument(
        "--dry-run", action="store_true", help="say who would get what; send and mark nothing"
    )
    send.add_argument(
        "--person", default=None, help="only this person (account name, UPN or directory GUID)"
    )
    send.add_argument(
        "--as-of",
        type=_moment,
        default=None,
        metavar="TIME",
        help="send the periods due at this ISO time instead of now (e.g. yesterday's, "
        "missed while the mail server was down)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except Exception as exc:  # pydantic's error may quote values: name the kind only
        _say(f"the settings cannot be read ({type(exc).__name__})")
        return FAILED
    kinds = [args.period] if args.period else list(KINDS)
    return asyncio.run(
        send(settings, kinds=kinds, dry_run=args.dry_run, person=args.person, now=args.as_of)
    )


async def send(
    settings: Settings,
    *,
    kinds: list[str],
    dry_run: bool = False,
    person: str | None = None,
    now: datetime | None = None,
) -> int:
    """The rounds of ``kinds``; the exit status."""
    from ..app import open_upstreams  # the connectors, opened as the gateway opens them

    if not dry_run and not settings.server.public_url:
        _say("server.public_url is not set: the mails' links would lead nowhere")
        return FAILED
    if not dry_run and not settings.server.url_signing_key.get_secret_value():
        _say("server.url_signing_key is not set: the gateway could not check unsubscribe links")
        return FAILED
    async with contextlib.AsyncExitStack() as stack:
        try:
            upstreams = open_upstreams(settings, stack)
            digests = Digests(settings, upstreams, gate_policy(settings))
            guid = None
            if person is not None:
                guid = await _find(digests, person)
                if guid is None:
                    _say(f"no one in the directory is {person!r}")
                    return NO_SUCH_PERSON
            reports = [
                await digests.round(kind, now=now, dry_run=dry_run, person=guid) for kind in kinds
            ]
        except DirectoryError as exc:
            _say(f"the directory is not answering ({type(exc).__name__})")
            return FAILED
        except SocialError as exc:
            _say(f"the social store failed ({exc}); is it reachable and migrated?")
            return FAILED
    for report in reports:
        _print(report, dry_run=dry_run)
    return FAILED if any(r.failed or r.waiting for r in reports) else DONE


async def _find(digests: Digests, key: str) -> str | None:
    key = key.strip()
    field: LookupField = "guid" if _GUID.fullmatch(key) else "upn" if "@" in key else "account_name"
    [found] = await digests.upstreams.directory.people_by(field, [key]) if key else [None]
    return found.guid if found else None


def _print(report: RoundReport, *, dry_run: bool) -> None:
    p = report.period
    out = sys.stdout.write
    out(f"{p.key} (notifications from {p.since:%Y-%m-%d %H:%M} to {p.until:%Y-%m-%d %H:%M} UTC)\n")
    if dry_run:
        for plan in report.planned:
            if plan.subject is None:
                out(f"  {plan.person}: nothing to send ({plan.note})\n")
                continue
            out(f"  {plan.person} <{plan.address}>: {plan.subject}\n")
            for headline in plan.items:
                out(f"    - {headline}\n")
        out(f"  dry run: {len(report.planned)} due; nothing was sent or marked\n")
        return
    out(f"  sent: {len(report.sent)}\n")
    for guid, note in report.skipped.items():
        out(f"  nothing sent to {guid}: {note}\n")
    for guid, reason in report.failed.items():
        out(f"  FAILED for {guid}: {reason} (tried again next round)\n")
    if report.taken:
        out(f"  sent by another sender meanwhile: {report.taken}\n")
    if report.waiting:
        out(f"  waiting for the next round: {report.waiting}\n")


def _moment(text: str) -> datetime:
    """An ISO time; without a zone, in UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _say(message: str) -> None:
    sys.stderr.write(f"townhall {COMMAND}: {message}\n")
