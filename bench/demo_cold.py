"""Demo cold benchmark: every README example and widget operation, first use after start.

    python -m bench demo_cold [--port-base 0] [--widgets-first] [--no-walk] [--rounds 1]

Starts ``townhall demo`` (a subprocess, as ``make run`` does, on free ports, in a fresh work
folder), waits for ``/readyz``, then sends each operation once, as a new visitor would:
the README's examples (``gateway/static/graphiql-examples.json``, run as the README runs
them), ``group(name: "All Staff") { members }``, and the widgets' registered operations
(``widgets/operations/``, subscriptions left out) with the variables the portal would
send. Each one's first-use time is printed against the goal of 500 ms (the first
``homeFeed`` against 200 ms), with any error code. Then, in a second fresh demo, all
2,000 people with ``employment``, ``manager`` and ``photoUrl``, 100 a page, cold, against
the goal of 3 s in all. Prints the start-up time (launch to ready) of each demo, and the
load average; writes ``bench/results/demo_cold.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
OPERATIONS = ROOT / "widgets" / "operations"
EXAMPLES = ROOT / "gateway" / "static" / "graphiql-examples.json"
GOAL_MS = 500.0
HOME_FEED_GOAL_MS = 200.0
WALK_GOAL_S = 3.0
VIEWER = "alex.morgan"
DATA_PROTECTION = "abena.oyelaran"  # the README runs its data-protection examples as her
ALL_STAFF = (
    '{ group(name: "All Staff") { members(first: 20) { totalCount nodes { displayName } } } }'
)
WALK = """query Walk($after: String) {
  people(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { displayName photoUrl manager { displayName } employment { jobTitle workingPattern } }
  }
}"""
DOCUMENT_ID = '{ documents(folder: "Planning", first: 1) { nodes { id } } }'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def townhall_demo(workdir: Path) -> Iterator[tuple[str, float]]:
    """``townhall demo`` (no portal) until the block ends: (its URL, seconds to ready)."""
    port = _free_port()
    log_path = workdir / "demo.log"
    townhall = Path(sys.executable).parent / "townhall"
    started = time.perf_counter()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(townhall), "demo", "--port", str(port), "--portal-port", "0",
             "--workdir", str(workdir / "var")],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"townhall demo did not start:\n{log_path.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            time.sleep(0.05)
        yield url, time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


class Client:
    """Posts operations as a signed-in demo visitor and times each one."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)
        self.rows: list[dict[str, Any]] = []

    def run(
        self,
        name: str,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        user: str = VIEWER,
        goal_ms: float = GOAL_MS,
        record: bool = True,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        response = self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"X-Townhall-User": user},
        )
        ms = (time.perf_counter() - started) * 1000
        body: dict[str, Any] = response.json()
        codes = [
            str((e.get("extensions") or {}).get("code") or e.get("message", "?"))
            for e in body.get("errors") or []
        ]
        if record:
            row = {
                "name": name,
                "ms": round(ms, 1),
                "goal_ms": goal_ms,
                "status": response.status_code,
                "errors": codes,
            }
            self.rows.append(row)
            flag = "ok" if ms <= goal_ms and response.status_code == 200 and not codes else "MISSED"
            print(f"  {name:32s} {ms:8.0f} ms  goal {goal_ms:4.0f}  {flag}  {' '.join(codes)}")
        return body


def _widget(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


def _readme(client: Client) -> None:
    print("README examples (GraphiQL's first tabs):")
    for example in json.loads(EXAMPLES.read_text(encoding="utf-8"))["examples"]:
        user = DATA_PROTECTION if example["name"] in ("WhoReadPriya", "ExportPriya") else VIEWER
        client.run(example["name"], example["query"], user=user)
    client.run("group(All Staff) members", ALL_STAFF)


def _dig(body: dict[str, Any], *path: str) -> Any:
    value: Any = body.get("data")
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _widgets(client: Client) -> None:
    """The widgets' registered operations, in the order a portal page load asks them."""
    print("Widget operations (registered):")
    feed = client.run("HomeFeed", _widget("HomeFeed"), {"first": 20}, goal_ms=HOME_FEED_GOAL_MS)
    client.run("UnreadNotificationCount", _widget("UnreadNotificationCount"))
    client.run("Notifications", _widget("Notifications"), {"first": 10})
    me = _dig(
        client.run("PersonLookup", _widget("PersonLookup"), {"account": VIEWER}), "person", "id"
    )
    client.run("PersonCard", _widget("PersonCard"), {"account": "priya.shah"})
    priya = _dig(
        client.run(
            "PersonLookup", _widget("PersonLookup"), {"account": "priya.shah"}, record=False
        ),
        "person",
        "id",
    )
    client.run("OrgChart", _widget("OrgChart"), {"id": me})
    client.run("OrgChartReports", _widget("OrgChartReports"), {"id": me})
    client.run("PeopleSearch", _widget("PeopleSearch"), {"search": "housing", "first": 20})
    client.run("MentionSuggestions", _widget("MentionSuggestions"), {"search": "pri"})
    client.run("ExpertSearch", _widget("ExpertSearch"), {"topic": "GDPR", "first": 5})
    client.run("TagActivityFeed", _widget("TagActivityFeed"), {"first": 20, "tag": "planning"})
    client.run("PersonActivityFeed", _widget("PersonActivityFeed"), {"first": 20, "id": priya})
    nodes = _dig(feed, "homeFeed", "nodes") or []
    document = next((n["document"]["id"] for n in nodes if n.get("document")), None)
    if document is None:
        document = _dig(
            client.run("documents id", DOCUMENT_ID, record=False), "documents", "nodes"
        )[0]["id"]
    client.run(
        "DocumentActivityFeed", _widget("DocumentActivityFeed"), {"first": 20, "id": document}
    )
    client.run("CommentThread", _widget("CommentThread"), {"id": document, "first": 20})
    client.run("FollowPerson", _widget("FollowPerson"), {"id": priya})
    client.run("UnfollowPerson", _widget("UnfollowPerson"), {"id": priya})
    added = client.run(
        "AddComment",
        _widget("AddComment"),
        {"input": {"targetId": document, "body": "Cold start check"}},
    )
    comment = _dig(added, "addComment", "comment", "id")
    client.run(
        "EditComment", _widget("EditComment"), {"input": {"commentId": comment, "body": "Edited"}}
    )
    client.run("React", _widget("React"), {"input": {"itemId": document, "reaction": "LIKE"}})
    client.run("Unreact", _widget("Unreact"), {"input": {"itemId": document, "reaction": "LIKE"}})
    client.run("DeleteComment", _widget("DeleteComment"), {"input": {"commentId": comment}})
    client.run("MarkNotificationsRead", _widget("MarkNotificationsRead"), {"input": {"all": True}})


def _walk(client: Client) -> dict[str, Any]:
    """Everyone, 100 a page, with employment, manager and photo URL."""
    pages: list[float] = []
    people, after = 0, None
    started = time.perf_counter()
    while True:
        page_started = time.perf_counter()
        body = client.run("walk page", WALK, {"after": after}, record=False)
        pages.append(time.perf_counter() - page_started)
        if body.get("errors"):
            raise RuntimeError(f"the walk failed: {body['errors'][:2]}")
        page = body["data"]["people"]
        people += len(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    total = time.perf_counter() - started
    print(
        f"  {people} people in {len(pages)} pages: {total:.2f} s (goal {WALK_GOAL_S:.0f} s: "
        f"{'ok' if total <= WALK_GOAL_S else 'MISSED'}), slowest page {max(pages) * 1000:.0f} ms, "
        f"first page {pages[0] * 1000:.0f} ms"
    )
    return {"people": people, "pages": len(pages), "seconds": round(total, 3), "goal_s": WALK_GOAL_S,
            "slowest_page_ms": round(max(pages) * 1000, 1), "first_page_ms": round(pages[0] * 1000, 1)}  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench demo_cold", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--widgets-first", action="store_true", help="widget operations before the README's"
    )
    parser.add_argument("--no-walk", action="store_true", help="leave out the 2,000-people walk")
    parser.add_argument(
        "--settle", type=float, default=0.0, help="seconds to wait after ready (default 0)"
    )
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"loadavg_before": Path("/proc/loadavg").read_text().split()[:3]}
    prefix = "townhall-bench-cold-"
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, townhall_demo(Path(tmp)) as demo:
        url, startup = demo
        print(f"demo ready in {startup:.1f} s; first use of each operation:")
        time.sleep(args.settle)
        client = Client(url)
        steps = [_widgets, _readme] if args.widgets_first else [_readme, _widgets]
        for step in steps:
            step(client)
        results["startup_s"] = round(startup, 2)
        results["operations"] = client.rows
    if not args.no_walk:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp, townhall_demo(Path(tmp)) as demo:
            url, startup = demo
            print(f"demo ready in {startup:.1f} s; everyone, 100 a page, cold:")
            results["walk"] = _walk(Client(url))
            results["walk"]["startup_s"] = round(startup, 2)
    rows = results["operations"]
    missed = [
        r["name"] for r in rows if r["ms"] > r["goal_ms"] or r["errors"] or r["status"] != 200
    ]
    results["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3]
    results["missed"] = missed
    slowest = max(rows, key=lambda r: r["ms"])
    print(
        f"{len(rows) - len(missed)}/{len(rows)} operations within their goal; slowest "
        f"{slowest['name']} {slowest['ms']:.0f} ms; load average {' '.join(results['loadavg_after'])}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "demo_cold.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
