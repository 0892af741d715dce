"""Structured logs: one JSON object per line, each carrying its request's id.

The settings are read on their own (environment over settings file); the request
path stamps every event written while a request runs, whichever module wrote it,
with the id the response's ``X-Request-Id`` names.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway import logs

from .conftest import Gateway


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Events of the root logger, formatted as ``TOWNHALL_LOG__FORMAT=json`` formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestContext())
    handler.setFormatter(logs.json_formatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _events(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_every_event_of_a_request_carries_its_id(
    demo_gateway: Gateway, json_lines: io.StringIO
) -> None:
    async with demo_gateway.client() as client:
        response = await client.post(
            "/graphql",
            json={"query": "{ me { displayName } }"},
            headers={"Authorization": "Bearer not-a-token"},
        )
    assert response.status_code == 401
    rid = response.headers["X-Request-Id"]
    events = [e for e in _events(json_lines) if e["request_id"] == rid]
    by_logger = {e["logger"]: e for e in events}
    # The sign-in refusal (written by the authenticator) and the request line share the id.
    assert "townhall.auth" in by_logger, events
    request_line = by_logger["townhall.requests"]
    assert request_line["level"] == "INFO"
    assert request_line["status"] == 401
    assert request_line["outcome"] != "ok"
    assert isinstance(request_line["ms"], float)
    assert str(request_line["time"]).endswith("+00:00")
    # Nothing of the request is stamped with another id, nor left without one.
    assert all(e["request_id"] in (rid, "-") for e in _events(json_lines))


async def test_events_outside_a_request_have_no_id(json_lines: io.StringIO) -> None:
    logging.getLogger("townhall.test").warning("outside")
    (event,) = [e for e in _events(json_lines) if e["message"] == "outside"]
    assert event["request_id"] == "-"
    assert event["level"] == "WARNING"


def test_environment_wins_over_the_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "settings.json"
    file.write_text(json.dumps({"log": {"format": "json", "level": "WARNING"}}), encoding="utf-8")
    monkeypatch.setenv("TOWNHALL_SETTINGS_FILE", str(file))
    assert logs.log_settings().format == "json"
    assert logs.log_settings().level == "WARNING"
    monkeypatch.setenv("TOWNHALL_LOG__FORMAT", "text")
    monkeypatch.setenv("TOWNHALL_LOG__LEVELS", '{"townhall.requests": "warning"}')
    chosen = logs.log_settings()
    assert (chosen.format, chosen.level) == ("text", "WARNING")
    assert chosen.levels == {"townhall.requests": "warning"}


def test_an_unknown_level_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_LOG__LEVELS", '{"ldap3": "LOUD"}')
    with pytest.raises(ValueError, match="LOUD"):
        logs.log_settings()


def test_levels_per_logger_are_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    quiet = logging.getLogger("townhall.requests")
    saved_quiet = quiet.level
    try:
        logs.configure_logging(
            settings=logs.LogSettings(format="json", levels={"townhall.requests": "ERROR"})
        )
        (handler,) = root.handlers
        assert isinstance(handler.formatter, type(logs.json_formatter()))
        assert quiet.getEffectiveLevel() == logging.ERROR
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        quiet.setLevel(saved_quiet)
