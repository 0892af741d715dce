"""One round of digests: who is due, claim, read through their gate, send, confirm.

``Digests.round(kind)`` finds the period due (``periods``), then the people whose choice
(or the default) is that kind, who have unread notifications made in the period, and
whose digest of it is not yet sent, skipped or freshly claimed by another sender (the
ledger, ``connectors.social.digests``). For each, in GUID order, at most
``max_per_round``: claim; sign them in and read their digest through their own access
gate (``content``); nothing to tell (nothing readable unread, a leaver, no address) marks
the period skipped for them; else the message (``mail``) goes to the SMTP server
(``sender``) and the claim is confirmed. A send that fails gives the claim back, so the
next round sends it; a connection that breaks ends the round (the rest wait). Two
senders running the same round at once each send only what they claimed: every digest
once.

A dry run (``dry_run=True``) claims nothing, sends nothing and marks nothing: it reports
what each due person would be sent.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from connectors.social.digests import DigestLedger

from ..loaders import Upstreams
from ..scope import GatePolicy
from ..settings import Settings
from .content import read_digest, sign_in
from .mail import Links, compose, subject
from .periods import KINDS, Period, due_period
from .sender import AddressRefused, ConnectionLost, SendFailed, SmtpSender
from .unsubscribe import UnsubscribeSigner

log = logging.getLogger("townhall.digests")


@dataclass(frozen=True, slots=True)
class Planned:
    """What a dry run found for one person."""

    person: str  # GUID
    address: str | None
    subject: str | None  # None: nothing would be sent
    items: list[str]  # the headlines
    note: str = ""


@dataclass(slots=True)
class RoundReport:
    """What one round did."""

    period: Period
    sent: list[str] = field(default_factory=list)  # GUIDs
    skipped: dict[str, str] = field(default_factory=dict)  # GUID -> why
    failed: dict[str, str] = field(default_factory=dict)  # GUID -> why (tried again later)
    taken: int = 0  # claimed by another sender meanwhile
    waiting: int = 0  # due but left for the next round (round limit, connection lost)
    planned: list[Planned] = field(default_factory=list)  # dry run only

    def summary(self) -> str:
        return (
            f"{self.period.key}: {len(self.sent)} sent, {len(self.skipped)} with nothing to "
            f"send, {len(self.failed)} failed (tried again next round), {self.waiting} waiting"
        )


class Digests:
    """Digest rounds over the open connectors (the web lifespan's, or the CLI's)."""

    def __init__(
        self,
        settings: Settings,
        upstreams: Upstreams,
        policy: GatePolicy,
        unsubscribe: UnsubscribeSigner | None = None,
    ) -> None:
        self.settings = settings
        self.upstreams = upstreams
        self.policy = policy
        self.ledger = DigestLedger(upstreams.social)
        # The web process shares its endpoint's signer: with no configured key, both
        # hold the same random one.
        self.unsubscribe = unsubscribe or UnsubscribeSigner.from_settings(settings)

    def links(self, person: str) -> Links:
        d, server = self.settings.digests, self.settings.server
        return Links(
            home=d.link_base_url or server.public_url,
            item=d.item_link,
            unsubscribe=self.unsubscribe.url(person),
        )

    async def rounds(self, *, now: datetime | None = None) -> list[RoundReport]:
        """The round of each kind."""
        return [await self.round(kind, now=now) for kind in KINDS]

    async def round(
        self,
        kind: str,
        *,
        now: datetime | None = None,
        dry_run: bool = False,
        person: str | None = None,
    ) -> RoundReport:
        """One round of ``kind`` digests as of ``now``; ``person`` (a GUID): only theirs."""
        s = self.settings.digests
        now = now or datetime.now(UTC)
        period = due_period(kind, now, s)
        report = RoundReport(period)
        stale = datetime.now(UTC) - timedelta(seconds=s.claim_timeout)
        after, done = "", 0
        async with SmtpSender(s) as smtp:
            while True:
                due = await self.ledger.due(
                    kind, period.key, period.since, period.until,
                    default=s.default_frequency, stale_before=stale, after=after,
                    limit=s.batch_size, person=person,
                )  # fmt: skip
                if not due:
                    break
                after = due[-1]
                if done >= s.max_per_round:
                    report.waiting += len(due)
                    continue
                for index, guid in enumerate(due):
                    if done >= s.max_per_round:
                        report.waiting += len(due) - index
                        break
                    done += 1
                    try:
                        if dry_run:
                            report.planned.append(await self._plan(guid, period))
                        else:
                            await self._one(guid, period, smtp, report)
                    except ConnectionLost as exc:
                        log.warning("digests %s: %s; the rest wait", period.key, exc)
                        report.failed[guid] = str(exc)
                        report.waiting += len(due) - index - 1
                        return report
        if not dry_run and (report.sent or report.failed):
            log.info("digests %s", report.summary())
        return report

    async def _one(self, guid: str, period: Period, smtp: SmtpSender, report: RoundReport) -> None:
        s = self.settings.digests
        stale = datetime.now(UTC) - timedelta(seconds=s.claim_timeout)
        token = await self.ledger.claim(guid, period.key, stale_before=stale)
        if token is None:
            report.taken += 1
            return
        try:
            recipient = await sign_in(guid, self.upstreams, self.settings, self.policy)
            note = ""
            if recipient is None:
                note = "not on the staff"
            elif not recipient.person.mail:
                note = "no email address"
            else:
                digest = await read_digest(recipient, period)
                if not digest.items:
                    note = "nothing readable unread"
                else:
                    message = compose(digest, self.links(guid), s, now=datetime.now(UTC))
                    await smtp.send(message)
                    await self.ledger.confirm(
                        guid, period.key, token, notifications=len(digest.items)
                    )
                    report.sent.append(guid)
                    return
            await self.ledger.skip(guid, period.key, token, note=note)
            report.skipped[guid] = note
        except AddressRefused as exc:
            log.info("digest %s for %s: %s; not tried again this period", period.key, guid, exc)
            await self.ledger.skip(guid, period.key, token, note="address refused")
            report.skipped[guid] = "address refused"
        except ConnectionLost:
            await asyncio.shield(self.ledger.release(guid, period.key, token))
            raise
        except Exception as exc:  # upstream or SMTP failure: the next round tries again
            await asyncio.shield(self.ledger.release(guid, period.key, token))
            reason = str(exc) if isinstance(exc, SendFailed) else type(exc).__name__
            log.warning("digest %s for %s failed (%s); tried again next round",
                        period.key, guid, reason)  # fmt: skip
            report.failed[guid] = reason
        except BaseException:  # cancelled: give the claim back before stopping
            await asyncio.shield(self.ledger.release(guid, period.key, token))
            raise

    async def _plan(self, guid: str, period: Period) -> Planned:
        recipient = await sign_in(guid, self.upstreams, self.settings, self.policy)
        if recipient is None:
            return Planned(guid, None, None, [], "not on the staff")
        address = recipient.person.mail
        digest = await read_digest(recipient, period)
        if not address or not digest.items:
            note = "no email address" if not address else "nothing readable unread"
            return Planned(guid, address, None, [], note)
        headlines = [i.headline for i in digest.items]
        return Planned(guid, address, subject(len(headlines)), headlines)
