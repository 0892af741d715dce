"""Digest periods and settings, without servers: which period is due, and what it covers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.digests.periods import due_period, local_label
from gateway.digests.settings import DigestSettings

LONDON = DigestSettings(send_hour=7, weekly_day="monday", timezone="Europe/London")


def test_the_daily_period_is_the_last_send_moment_and_the_day_before_it() -> None:
    before = due_period("daily", datetime(2026, 12, 7, 6, 59, tzinfo=UTC), LONDON)
    after = due_period("daily", datetime(2026, 12, 7, 7, 0, tzinfo=UTC), LONDON)
    assert before.key == "daily:2026-12-06" and after.key == "daily:2026-12-07"
    assert after.since == before.until == datetime(2026, 12, 6, 7, tzinfo=UTC)
    assert after.until == datetime(2026, 12, 7, 7, tzinfo=UTC)
    # British Summer Time: 07:00 local is 06:00 UTC.
    summer = due_period("daily", datetime(2026, 7, 1, 6, 30, tzinfo=UTC), LONDON)
    assert (summer.key, summer.until) == ("daily:2026-07-01", datetime(2026, 7, 1, 6, tzinfo=UTC))


def test_weekly_periods_follow_the_local_clock_across_a_change() -> None:
    monday = due_period("weekly", datetime(2026, 12, 9, 12, tzinfo=UTC), LONDON)
    assert monday.key == "weekly:2026-W50"
    assert (monday.since, monday.until) == (
        datetime(2026, 11, 30, 7, tzinfo=UTC), datetime(2026, 12, 7, 7, tzinfo=UTC)
    )  # fmt: skip
    # The week the clocks go back (25 October 2026) is 169 hours long.
    autumn = due_period("weekly", datetime(2026, 10, 26, 12, tzinfo=UTC), LONDON)
    assert autumn.until - autumn.since == timedelta(hours=169)
    assert local_label(autumn, LONDON) == "the week to 07:00 on Monday 26 October 2026"


def test_unsafe_smtp_settings_are_refused_in_production() -> None:
    with pytest.raises(ValueError, match="password in clear"):
        DigestSettings(smtp_username="townhall", smtp_tls="none").refuse_unsafe_production(
            signing_key=True
        )
    with pytest.raises(ValueError, match="url_signing_key"):
        DigestSettings(enabled=True).refuse_unsafe_production(signing_key=False)
    DigestSettings(smtp_username="townhall").refuse_unsafe_production(signing_key=True)
    with pytest.raises(ValueError, match="time zone"):
        DigestSettings(timezone="Mars/Olympus")
