"""How Townhall logs: one event per line, as text or JSON, INFO and up, quiet libraries.

The CLI sets it up for every command; ``gateway.asgi.build`` sets it up again in
each worker process that ``townhall serve --workers N`` starts (they do not inherit
the parent's handlers), unless the process already has a logging configuration.

The ``log`` settings (``TOWNHALL_LOG__FORMAT``, ``TOWNHALL_LOG__LEVEL``,
``TOWNHALL_LOG__LEVELS``, or the settings file's ``"log"``) are read on their own,
before the rest: a broken setting elsewhere is then reported through the configured
handler. ``text`` is for people at a terminal; ``json`` is one JSON object per line
for a log shipper, every event carrying the request id (``request_id``) of the
request it happened in, whichever module wrote it (and ``trace_id`` where the request
is traced). Fields given with ``extra=``
(the request line's operation, status, duration, ...) become keys of their own.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Literal

from opentelemetry import trace
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from pythonjsonlogger.json import JsonFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# The request whose work is running (a task copies it into what it starts).
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "townhall_request_id", default=None
)
_QUIET = {
    "alembic": "WARNING",
    # httpx logs every request URL at INFO: SCIM filters carry names and employee numbers.
    "httpx": "WARNING",
}
_LEVELS = {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}


class LogSettings(BaseModel):
    """How events are written."""

    format: Literal["text", "json"] = Field(
        "text", description="`text`: one readable line an event; `json`: one JSON object a line."
    )
    level: str = Field("INFO", description="The least level written.")
    levels: dict[str, str] = Field(
        default_factory=dict,
        description='Levels by logger, e.g. {"townhall.requests": "WARNING", "ldap3": "ERROR"} '
        "(env: a JSON object).",
    )

    def checked(self) -> LogSettings:
        for name, level in {"level": self.level, **self.levels}.items():
            if level.upper() not in _LEVELS:
                raise ValueError(f"log level {level!r} for {name!r} is not one of {_LEVELS}")
        return self


class _LogEnv(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TOWNHALL_", env_nested_delimiter="__", extra="ignore"
    )
    log: LogSettings = LogSettings()


def log_settings() -> LogSettings:
    """The ``log`` settings from the settings file and the environment (which wins)."""
    data: dict[str, Any] = {}
    file = os.environ.get("TOWNHALL_SETTINGS_FILE")
    if file:
        with Path(file).open(encoding="utf-8") as handle:
            data = json.load(handle).get("log") or {}
    from_env = _LogEnv().log.model_dump(exclude_unset=True)
    return LogSettings(**{**data, **from_env}).checked()


class RequestContext(logging.Filter):
    """Stamps each event with the id of the request it happened in ("-": none), and
    with its trace's id where the request is traced (``gateway.tracing``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get() or "-"
        if not hasattr(record, "trace_id"):
            span = trace.get_current_span().get_span_context()
            if span.is_valid and span.trace_flags.sampled:
                record.trace_id = format(span.trace_id, "032x")
        return True


class TextFormatter(logging.Formatter):
    """``logging.Formatter`` that works out the date and time of a second once: every
    request writes a line, and ``time.strftime`` was a tenth of what a line cost."""

    _second = -1
    _stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        msec_format = self.default_msec_format
        if datefmt is not None or msec_format is None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        if second != self._second:
            self._stamp = time.strftime(self.default_time_format, self.converter(second))
            self._second = second
        return msec_format % (self._stamp, record.msecs)


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",  # ISO 8601 in UTC
        json_ensure_ascii=False,
    )


def configure_logging(*, only_if_unset: bool = False, settings: LogSettings | None = None) -> None:
    root = logging.getLogger()
    if only_if_unset and root.handlers:
        return
    chosen = settings or log_settings()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestContext())
    handler.setFormatter(json_formatter() if chosen.format == "json" else TextFormatter(FORMAT))
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(chosen.level.upper())
    # Neither format shows where a call was made, nor the thread or process: not working
    # them out for every event saves a third of a request's log line (the logging
    # HOWTO's "Optimization"). Set only with Townhall's own handler.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    for name, level in {**_QUIET, **chosen.levels}.items():
        logging.getLogger(name).setLevel(level.upper())
