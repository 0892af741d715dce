"""Partial answers: a slow or dead source fails only its own fields, and stale data is labelled."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from servers import Council, start_test_scim

from bench.latency_proxy import LatencyProxy

from .conftest import base_settings, serve

QUERY = "{ me { displayName manager { displayName } employment { jobTitle workLocation } } }"


async def test_a_slow_hr_system_cannot_hold_the_response(
    council: Council, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    target = urlsplit(scim_server.url)
    async with LatencyProxy(
        target.hostname or "127.0.0.1", target.port or 80, delay=120.0
    ) as proxy:
        settings = base_settings(council, scim_server, webdav_server, tmp_path)
        settings.hr.url = f"http://127.0.0.1:{proxy.port}{target.path}"
        settings.hr.timeout = 10  # the connector would wait; the request's deadline must not
        settings.deadlines.hr = 0.5
        async with serve(settings) as gateway:
            started = time.monotonic()
            body = await asyncio.wait_for(gateway.query(QUERY), 60)
            elapsed = time.monotonic() - started
    assert elapsed < 30, elapsed  # HR answers after 120 s; its deadline is 0.5 s
    assert body["data"]["me"]["displayName"] == "Alex Morgan" and body["data"]["me"]["manager"]
    assert body["data"]["me"]["employment"] is None
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "SOURCE_UNAVAILABLE",
        "source": "hr",
        "reason": "timeout",
    }


async def test_stale_hr_data_is_served_and_labelled_when_hr_goes_down(
    council: Council, webdav_server: Any, tmp_path: Path
) -> None:
    scim = await start_test_scim(council, tmp_path / "scim")
    try:
        settings = base_settings(council, scim, webdav_server, tmp_path)
        settings.cache.hr_ttl = 0.3
        settings.cache.max_stale = 600
        async with serve(settings) as gateway:
            fresh = await gateway.query(QUERY)
            assert "extensions" not in fresh and fresh["data"]["me"]["employment"]["jobTitle"]
            scim.stop()
            await asyncio.sleep(0.5)
            first = await gateway.query(QUERY)
            for _ in range(50):  # until the background refresh (with its retries) has failed
                await asyncio.sleep(0.2)
                second = await gateway.query(QUERY)
                if second["extensions"]["stale"][0]["reason"] == "source_unavailable":
                    break
    finally:
        scim.stop()
    for body in (first, second):
        assert "errors" not in body
        assert body["data"] == fresh["data"]
        [note] = body["extensions"]["stale"]
        assert note["source"] == "hr" and note["ageSeconds"] >= 0 and note["asOf"]
    assert first["extensions"]["stale"][0]["reason"] == "revalidating"
    assert second["extensions"]["stale"][0]["reason"] == "source_unavailable"
