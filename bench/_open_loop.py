"""The soak's open-loop sender (``python -m bench soak``): requests due at a fixed rate, sent
on keep-alive connections written by hand, latency counted from when each was due, and the
gateway process sampled every interval."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.soak import Mix

TIMEOUT = 10.0
IN_FLIGHT = 64


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Interval:
    """What happened to the requests DUE in one interval (answered whenever), and the
    gateway process as sampled at the interval's end."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.lags: list[float] = []
        self.errors: dict[str, int] = {}
        self.sent = 0
        self.process: dict[str, float] = {}

    def summary(self, t_s: float, every: float) -> dict[str, Any]:
        return {
            "t_s": round(t_s),
            **self.process,
            "sent": self.sent,
            "rate": round(self.sent / every, 1),
            "answered": len(self.latencies),
            "p50_ms": round(percentile(self.latencies, 0.5) * 1000, 1),
            "p99_ms": round(percentile(self.latencies, 0.99) * 1000, 1),
            "max_ms": round(max(self.latencies, default=0) * 1000, 1),
            "sender_lag_p99_ms": round(percentile(self.lags, 0.99) * 1000, 1),
            "errors": self.errors,
        }


class Connection:
    """One keep-alive HTTP/1.1 connection to the gateway, written by hand on asyncio streams:
    httpx cost the sender ~8 ms of CPU a request at this rate (its pool, anyio), so the
    sender, not the gateway, set the pace; this costs well under 1 ms."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, viewer: str, body: dict[str, Any]) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        payload = json.dumps(body).encode()
        self.writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"X-Townhall-User: {viewer}\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if "content-length" not in headers:  # the gateway always sends one; be sure
            raise ConnectionError(f"no Content-Length in {lines[0]}")
        data = await self.reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def failure_of(kind: str, status: int, data: bytes) -> str | None:
    """Why an answer counts as an error, or None (as ``failure``, on raw bytes)."""
    if status != 200:
        return f"status {status}"
    answer = json.loads(data)
    if answer.get("errors"):
        return str(answer["errors"][0].get("extensions", {}).get("code", "graphql error"))
    if not answer.get("data"):
        return "no data"
    if kind == "comment" and answer["data"]["addComment"]["__typename"] != "CommentSuccess":
        return str(answer["data"]["addComment"]["__typename"])
    return None


async def soak(
    port: int, pid: int, mix: Mix, rate: float, minutes: float, every: float
) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    count = max(1, round(minutes * 60 / every))
    intervals = [Interval() for _ in range(count)]
    # IN_FLIGHT connections take due requests from this queue in order; a request waiting
    # here still counts its latency from when it was due (open loop).
    due_requests: asyncio.Queue[tuple[float, Interval, str, str, dict[str, Any]] | None]
    due_requests = asyncio.Queue()

    async def connection_worker() -> None:
        connection = Connection(port)
        while (item := await due_requests.get()) is not None:
            due, bucket, kind, viewer, body = item
            bucket.lags.append(loop.time() - due)
            try:
                status, data = await asyncio.wait_for(connection.post(viewer, body), TIMEOUT)
                why = failure_of(kind, status, data)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
                connection.close()
                why = type(error).__name__
            bucket.latencies.append(loop.time() - due)
            if why is not None:
                bucket.errors[f"{kind}: {why}"] = bucket.errors.get(f"{kind}: {why}", 0) + 1
        connection.close()

    async def sampler() -> None:
        cpu0, own0 = cpu_seconds(pid), time.process_time()
        for index, bucket in enumerate(intervals):
            await asyncio.sleep(start + (index + 1) * every - loop.time())
            cpu, own = cpu_seconds(pid), time.process_time()
            bucket.process = {
                "rss_mb": round(rss_mb(pid), 1),
                "gateway_cpu_share": round((cpu - cpu0) / every, 3),
                "sender_cpu_share": round((own - own0) / every, 3),
                # Other work on the machine takes CPU from the gateway: say how much.
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
            cpu0, own0 = cpu, own
            done = len(bucket.latencies)
            print(f"   {(index + 1) * every:>5.0f}s  rss {bucket.process['rss_mb']:7.1f} MB  "
                  f"sent {bucket.sent}  answered so far {done}  "
                  f"gateway cpu {bucket.process['gateway_cpu_share']:.2f}", flush=True)  # fmt: skip

    start = loop.time()
    total = int(rate * count * every)
    print(f"   soak: {rate:.0f} req/s for {count * every:.0f} s; "
          f"RSS at start {rss_mb(pid):.1f} MB", flush=True)  # fmt: skip
    workers = [asyncio.create_task(connection_worker()) for _ in range(IN_FLIGHT)]
    sampling = asyncio.create_task(sampler())
    for n in range(total):
        due = start + n / rate
        now = loop.time()
        if due > now:
            await asyncio.sleep(due - now)
        bucket = intervals[min(count - 1, int((due - start) / every))]
        bucket.sent += 1
        kind, viewer, body = mix.next()
        due_requests.put_nowait((due, bucket, kind, viewer, body))
    for _ in workers:
        due_requests.put_nowait(None)
    await asyncio.gather(*workers)
    await sampling
    return [bucket.summary((i + 1) * every, every) for i, bucket in enumerate(intervals)]
