"""``settle_at_once``: a resolver's coroutine run to its first wait answers plain values
at once, raises what it raises, and one that waits is resumed (and cancelled) as if
it had been awaited from the start."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from schema.execution import settle_at_once


def call(resolver: Any) -> Any:
    return settle_at_once(lambda root, info: resolver(), None, None)


async def test_a_coroutine_that_never_waits_gives_its_value_at_once() -> None:
    done = asyncio.get_running_loop().create_future()
    done.set_result(42)

    async def resolver() -> int:
        return await done  # settled: no wait

    assert call(resolver) == 42


async def test_what_it_raises_before_waiting_is_raised_at_once() -> None:
    async def resolver() -> int:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        call(resolver)


async def test_one_that_waits_is_resumed_with_what_it_waited_for() -> None:
    pending = asyncio.get_running_loop().create_future()
    steps: list[str] = []

    async def resolver() -> str:
        steps.append("before")
        value = await pending
        steps.append("after")
        await asyncio.sleep(0)
        return f"got {value}"

    resumed = call(resolver)
    assert steps == ["before"]  # ran to its first wait, no further
    asyncio.get_running_loop().call_soon(pending.set_result, "it")
    assert await resumed == "got it"
    assert steps == ["before", "after"]


async def test_cancelling_the_awaiting_task_cancels_the_resumed_coroutine() -> None:
    cleaned = asyncio.Event()

    async def resolver() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned.set()

    async def field() -> Any:
        return await call(resolver)

    task = asyncio.ensure_future(field())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned.is_set()
