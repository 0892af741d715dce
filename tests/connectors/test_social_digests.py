"""The digest ledger on SQLite and PostgreSQL: choices, and claim-then-confirm so that one
digest of a period is sent once, whoever asks and whenever."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from connectors.social import SocialStore
from connectors.social.digests import DigestLedger, digest_deliveries
from connectors.social.privacy import PersonalData

P, Q = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
PERIOD = "daily:2026-12-07"


def stale(seconds: float = 900) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)


async def test_choices_are_kept_and_checked(store: SocialStore) -> None:
    ledger = DigestLedger(store)
    assert await ledger.frequency_of(P) is None
    assert await ledger.set_frequency(P, "weekly") is True
    assert await ledger.set_frequency(P, "weekly") is False
    assert await ledger.set_frequency(P, "never") is True
    assert (await ledger.frequency_of(P), await ledger.frequency_of(Q)) == ("never", None)
    with pytest.raises(ValueError):
        await ledger.set_frequency(P, "hourly")


async def test_one_claim_wins_and_only_its_token_settles_it(store: SocialStore) -> None:
    ledger = DigestLedger(store)
    tokens = await asyncio.gather(
        *(ledger.claim(P, PERIOD, stale_before=stale()) for _ in range(8))
    )
    [token] = [t for t in tokens if t is not None]
    assert await ledger.confirm(P, PERIOD, "not-the-token", notifications=3) is False
    await ledger.release(P, PERIOD, "not-the-token")  # someone else's release changes nothing
    assert await ledger.claim(P, PERIOD, stale_before=stale()) is None
    assert await ledger.confirm(P, PERIOD, token, notifications=3) is True
    assert await ledger.confirm(P, PERIOD, token, notifications=3) is False  # once
    # Sent is final, even for a claim "older" than any timeout.
    assert await ledger.claim(P, PERIOD, stale_before=datetime.now(UTC) + timedelta(days=1)) is None
    [delivery] = await ledger.deliveries(P)
    assert (delivery.status, delivery.notifications, delivery.period) == ("sent", 3, PERIOD)


async def test_a_released_claim_is_claimed_again_and_a_stale_one_taken_over(
    store: SocialStore,
) -> None:
    ledger = DigestLedger(store)
    first = await ledger.claim(Q, PERIOD, stale_before=stale())
    assert first is not None
    await ledger.release(Q, PERIOD, first)
    assert await ledger.deliveries(Q) == []
    second = await ledger.claim(Q, PERIOD, stale_before=stale())
    assert second is not None
    assert await ledger.claim(Q, PERIOD, stale_before=stale()) is None  # fresh: not taken
    # The sender of ``second`` stopped an hour ago: one of the senders takes its claim over.
    async with store.engine.begin() as connection:
        await connection.execute(
            update(digest_deliveries).values(claimed_at=datetime.now(UTC) - timedelta(hours=1))
        )
    takers = await asyncio.gather(
        *(ledger.claim(Q, PERIOD, stale_before=stale()) for _ in range(4))
    )
    [third] = [t for t in takers if t is not None]
    assert await ledger.confirm(Q, PERIOD, second, notifications=1) is False  # the old one lost
    assert await ledger.skip(Q, PERIOD, third, note="nothing readable unread") is True
    [delivery] = await ledger.deliveries(Q)
    assert (delivery.status, delivery.note) == ("skipped", "nothing readable unread")


async def test_erasure_takes_the_choice_and_the_ledger(store: SocialStore) -> None:
    ledger = DigestLedger(store)
    await ledger.set_frequency(P, "daily")
    token = await ledger.claim(P, PERIOD, stale_before=stale())
    assert token is not None and await ledger.confirm(P, PERIOD, token, notifications=2)
    await ledger.set_frequency(Q, "weekly")
    erasure = await PersonalData(store).erase(P)
    assert erasure.changes["digest_preferences deleted"] == 1
    assert erasure.changes["digest_deliveries deleted"] == 1
    assert (await ledger.frequency_of(P), await ledger.deliveries(P)) == (None, [])
    assert await ledger.frequency_of(Q) == "weekly"
