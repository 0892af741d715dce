"""Which digest is due, and the stretch of time it tells of.

A daily digest goes out at ``send_hour`` (local time, ``timezone``); a weekly one at
``send_hour`` on ``weekly_day``. A period is named by its send moment (``daily:2026-12-07``:
the local date; ``weekly:2026-W49``: the ISO week) and covers the notifications made from
the previous send moment up to its own (local time, so a week across a change of the
clocks is 167 or 169 hours long). Windows meet end to end, so a notification belongs to
exactly one daily and one weekly period; the window of a period lies wholly in the past
once it is due, so what a digest tells of no longer grows while it is being sent.

The period due at a moment is the one whose send moment came last: a process started at
23:00 sends that morning's digest (if nobody did), and a digest not sent by the time the
next one is due is not sent (its notifications stay in Townhall).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .settings import DigestSettings

KINDS = ("daily", "weekly")


@dataclass(frozen=True, slots=True)
class Period:
    """One digest period: ``kind`` daily or weekly, its ``key``, and [since, until)."""

    kind: str
    key: str
    since: datetime  # UTC
    until: datetime  # UTC: the send moment


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """``hour`` o'clock local on ``day``, in UTC (a skipped hour moves on; fold picks
    the first of a repeated one)."""
    local = datetime.combine(day, time(hour), tzinfo=zone)
    return local.astimezone(UTC)


def due_period(kind: str, at: datetime, settings: DigestSettings) -> Period:
    """The ``kind`` period whose send moment is the last one at or before ``at``."""
    zone = ZoneInfo(settings.timezone)
    today = at.astimezone(zone).date()
    hour = settings.send_hour
    if kind == "daily":
        day = today if _at(today, hour, zone) <= at else today - timedelta(days=1)
        return Period(
            kind="daily",
            key=f"daily:{day.isoformat()}",
            since=_at(day - timedelta(days=1), hour, zone),
            until=_at(day, hour, zone),
        )
    if kind != "weekly":
        raise ValueError(f"unknown digest period {kind!r}")
    day = today - timedelta(days=(today.weekday() - settings.weekday) % 7)
    if _at(day, hour, zone) > at:
        day -= timedelta(days=7)
    year, week, _ = day.isocalendar()
    return Period(
        kind="weekly",
        key=f"weekly:{year}-W{week:02d}",
        since=_at(day - timedelta(days=7), hour, zone),
        until=_at(day, hour, zone),
    )


def local_label(period: Period, settings: DigestSettings) -> str:
    """The period for people, in the digests' time zone: 'the day to 07:00 on Monday
    7 December 2026', or 'the week to ...'."""
    end = period.until.astimezone(ZoneInfo(settings.timezone))
    span = "day" if period.kind == "daily" else "week"
    return f"the {span} to {end:%H:%M} on {end:%A} {end.day} {end:%B %Y}"
