"""Who runs the background jobs, and how the one ``townhall worker`` is chosen.

``worker.mode`` ``embedded`` (the default): every web process runs the background jobs
itself, as a single instance should. ``separate``: web processes run none; the jobs run
in ``townhall worker``, of which exactly one is active across the deployment, holding a
lock (``worker.lock``); the others stand by and take over when it goes.

In production, ``separate`` is for several instances, so it is refused unless they
share what must be shared: the URL signing key, the Redis cache, the PostgreSQL store,
and the document search index on PostgreSQL (which the worker fills and every web
instance reads).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class WorkerSettings(BaseModel):
    """The background worker (``townhall worker``)."""

    mode: Literal["embedded", "separate"] = Field(
        "embedded",
        description="'embedded': each web process runs the change feeds, indexing, retention "
        "and digests; 'separate': web processes run none, `townhall worker` does.",
    )
    lock: Literal["auto", "postgres", "redis", "file"] = Field(
        "auto",
        description="What makes one worker active: a PostgreSQL advisory lock, a Redis lock "
        "with a fencing token, or a file lock (one machine); 'auto': PostgreSQL when the "
        "social store is on it, else Redis when the cache is, else the file.",
    )
    lock_file: Path = Field(
        Path("var/townhall-worker.lock"),
        description="The file locked with lock 'file' (workers on one machine only).",
    )
    lock_ttl: float = Field(
        15.0,
        ge=3,
        le=300,
        description="Seconds a Redis lock lives unless renewed (renewed every third of it); "
        "a worker that has not renewed it in time stops its jobs first.",
    )
    check_interval: float = Field(
        2.0,
        gt=0,
        le=60,
        description="Seconds between checks that the PostgreSQL lock's connection is alive.",
    )
    retry_interval: float = Field(
        3.0,
        gt=0,
        le=300,
        description="Seconds a standing-by worker waits between tries to take the lock.",
    )
    host: str = Field("127.0.0.1", description="Where the worker serves /healthz and /metrics.")
    port: int = Field(
        8001, ge=0, le=65535, description="Port of the worker's /healthz and /metrics (0: none)."
    )

    def refuse_unsafe_production(
        self,
        *,
        signing_key: bool,
        cache_backend: str,
        social_url: str,
        search_url: str,
        documents: bool,
    ) -> None:
        """ValueError when ``separate`` is set without what the instances must share."""
        if self.mode != "separate":
            return
        missing = []
        if not signing_key:
            missing.append("a shared server.url_signing_key")
        if cache_backend != "redis":
            missing.append("cache.backend 'redis'")
        if not social_url.startswith("postgresql"):
            missing.append("social.database_url on PostgreSQL")
        if documents and not search_url.startswith("postgresql"):
            missing.append("documents.search_database_url on PostgreSQL (the shared index)")
        if missing:
            raise ValueError(
                "worker.mode 'separate' (several instances and a worker) needs "
                + ", ".join(missing)
            )
        if self.lock == "file":
            raise ValueError("worker.lock 'file' holds on one machine only; use 'auto'")
