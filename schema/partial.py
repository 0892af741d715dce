"""Partial answers: tell the client which sources were served from stale records.

A widget can then say "HR data as of 10:42". The response's ``extensions`` get

    "stale": [{"source": "hr", "asOf": "2026-11-25T10:42:00+00:00",
               "ageSeconds": 1260, "reason": "revalidating" | "source_unavailable"}]

``revalidating``: the records are past their freshness and a refresh is running;
``source_unavailable``: the last attempt to refresh them failed.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from strawberry.extensions import SchemaExtension

from .context import Context


class StaleDataReport(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if not isinstance(context, Context) or not context.stale.oldest:
            return {}
        now = time.time()
        return {
            "stale": [
                {
                    "source": source,
                    "asOf": datetime.fromtimestamp(fetched_at, UTC).isoformat(timespec="seconds"),
                    "ageSeconds": int(now - fetched_at),
                    "reason": "source_unavailable"
                    if source in context.stale.failing
                    else "revalidating",
                }
                for source, fetched_at in sorted(context.stale.oldest.items())
            ]
        }
