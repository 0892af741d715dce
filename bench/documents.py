"""Document store benchmark: batched metadata, a full crawl, and search.

    python -m bench documents [--rounds 5] [--documents 100] [--queries 200]

Against a real wsgidav started here over a copy of the sample council's
document tree (dead properties seeded as in the tests), in one run, printing a
table and writing bench/results/documents.json:

1. metadata for N documents: one PROPFIND per distinct folder, sent
   concurrently (what a DataLoader batch costs) vs one PROPFIND (Depth 0) per
   document; requests and wall time, rounds interleaved, medians compared;
2. a full crawl of the tree: one PROPFIND Depth infinity vs folder by folder
   (Depth 1, each level's folders concurrently);
3. search over the crawled tree in Townhall's own SQLite FTS5 index (names,
   paths, people, tags and the text of plain-text files): index build time and
   query p50/p95 for words drawn from titles, tags and authors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from connectors.documents import DocumentConnector, DocumentIndex, extract_text, is_plain_text
from connectors.documents.dav import parse_multistatus, propfind_body
from townhall_demo.upstreams import WebDavUser, start_webdav_server

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "council"
RESULTS = ROOT / "bench" / "results"
USER, PASSWORD = "bench", "bench-dav-password"


async def one_per_document(client: httpx.AsyncClient, namespace: str, paths: list[str]) -> int:
    """The naive way: a Depth 0 PROPFIND per document, concurrently. Returns requests."""
    body = propfind_body(namespace)
    limit = asyncio.Semaphore(8)  # the connector's own concurrency

    async def one(path: str) -> None:
        async with limit:
            response = await client.request(
                "PROPFIND",
                quote(path),
                content=body,
                headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
            )
        assert response.status_code == 207, response.status_code
        assert parse_multistatus(response.content, root="", namespace=namespace)

    await asyncio.gather(*(one(p) for p in paths))
    return len(paths)


async def compare_metadata(
    args: argparse.Namespace,
    client: httpx.AsyncClient,
    connector: DocumentConnector,
    namespace: str,
    paths: list[str],
) -> dict[str, Any]:
    batched: list[float] = []
    single: list[float] = []
    batched_calls = single_calls = 0
    for _ in range(args.rounds):  # interleaved: both sides see the same machine
        before = connector.calls
        started = time.perf_counter()
        found = await connector.documents(paths)
        batched.append(time.perf_counter() - started)
        batched_calls = connector.calls - before
        assert all(found)
        started = time.perf_counter()
        single_calls = await one_per_document(client, namespace, paths)
        single.append(time.perf_counter() - started)
    return {
        "documents": len(paths),
        "folders": len({p.rsplit("/", 1)[0] for p in paths}),
        "batched": {"requests": batched_calls, "median_s": statistics.median(batched)},
        "one_per_document": {"requests": single_calls, "median_s": statistics.median(single)},
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    meta = json.loads((FIXTURES / "documents.json").read_text())
    namespace = meta["namespace"]
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as tmp:
        server = await start_webdav_server(
            root=FIXTURES / "documents",
            users={USER: WebDavUser(PASSWORD)},
            props=meta,
            workdir=Path(tmp),
        )
        try:
            async with httpx.AsyncClient(
                base_url=server.url.rstrip("/") + "/", auth=(USER, PASSWORD), timeout=30
            ) as client:
                return await measure(args, client, namespace, meta)
        finally:
            server.stop()


async def measure(
    args: argparse.Namespace, client: httpx.AsyncClient, namespace: str, meta: dict[str, Any]
) -> dict[str, Any]:
    rng = random.Random(5)
    connector = DocumentConnector(client, namespace=namespace)
    await connector.crawl()  # warm the server's caches and the connection pool

    # Random documents from the whole tree (the worst case for per-folder batching), and
    # the same number from neighbouring folders (what a listing or a person's page asks).
    everything = sorted(d["path"] for d in meta["documents"])
    start = rng.randrange(len(everything) - args.documents)
    metadata = {}
    for shape, paths in (
        ("random", rng.sample(everything, args.documents)),
        ("neighbouring", everything[start : start + args.documents]),
    ):
        metadata[shape] = await compare_metadata(args, client, connector, namespace, paths)

    infinity: list[float] = []
    walk: list[float] = []
    infinity_calls = walk_calls = documents = 0
    for _ in range(args.rounds):
        before = connector.calls
        started = time.perf_counter()
        records = await connector.crawl()
        infinity.append(time.perf_counter() - started)
        infinity_calls = connector.calls - before
        before = connector.calls
        started = time.perf_counter()
        walked = [r for r in await connector._walk("") if not r.is_folder]
        walk.append(time.perf_counter() - started)
        walk_calls = connector.calls - before
        documents = len(records)
        assert len(walked) == documents

    texts: dict[str, str] = {}
    started = time.perf_counter()
    for record in records:
        if is_plain_text(record):
            texts[record.path] = extract_text(
                record, await connector.read(record.path, limit=1_000_000) or b""
            )
    read_seconds = time.perf_counter() - started
    index = DocumentIndex.open("")
    await index.create()
    started = time.perf_counter()
    await index.upsert(records, texts)
    index_seconds = time.perf_counter() - started
    words = sorted(
        {w for d in meta["documents"] for w in d["title"].split() if len(w) > 3}
        | {t for d in meta["documents"] for t in d["tags"]}
        | {d["author"].split("@")[0].split(".")[-1] for d in meta["documents"]}
    )
    queries = [rng.choice(words) + ("" if rng.random() < 0.5 else " " + rng.choice(words))
               for _ in range(args.queries)]  # fmt: skip
    latencies = []
    hits = []
    for query in queries:
        started = time.perf_counter()
        hits.append(len(await index.search(query)))
        latencies.append((time.perf_counter() - started) * 1000)
    await index.close()

    return {
        "metadata": metadata,
        "crawl": {
            "documents": documents,
            "depth_infinity": {"requests": infinity_calls, "median_s": statistics.median(infinity)},
            "folder_by_folder": {"requests": walk_calls, "median_s": statistics.median(walk)},
        },
        "search": {
            "indexed": len(records),
            "text_files": len(texts),
            "read_text_s": read_seconds,
            "build_index_s": index_seconds,
            "queries": len(queries),
            "mean_hits": statistics.mean(hits),
            "p50_ms": percentile(latencies, 0.5),
            "p95_ms": percentile(latencies, 0.95),
        },
        "rounds": args.rounds,
    }


def report(r: dict[str, Any]) -> None:
    c, s = r["crawl"], r["search"]
    i, w = c["depth_infinity"], c["folder_by_folder"]
    print(f"\nDocuments benchmark (medians of {r['rounds']} interleaved rounds)\n")
    print(f"{'measure':<52}{'requests':>10}{'wall ms':>10}")
    for shape, m in r["metadata"].items():
        b, o = m["batched"], m["one_per_document"]
        label = f"metadata, {m['documents']} {shape} docs ({m['folders']} folders)"
        print(f"{label + ', batched':<52}{b['requests']:>10}{b['median_s'] * 1000:>10.1f}")
        print(f"{'  one PROPFIND per document':<52}{o['requests']:>10}"
              f"{o['median_s'] * 1000:>10.1f}")  # fmt: skip
        print(f"{'  ratio (one per doc / batched)':<52}{o['requests'] / b['requests']:>10.1f}"
              f"{o['median_s'] / b['median_s']:>10.1f}")  # fmt: skip
    print(f"{'crawl ' + str(c['documents']) + ' docs, Depth infinity':<52}{i['requests']:>10}"
          f"{i['median_s'] * 1000:>10.1f}")  # fmt: skip
    print(f"{'crawl, folder by folder':<52}{w['requests']:>10}{w['median_s'] * 1000:>10.1f}")
    print(f"{'  ratio (folder by folder / infinity)':<52}{w['requests'] / i['requests']:>10.1f}"
          f"{w['median_s'] / i['median_s']:>10.1f}")  # fmt: skip
    print(f"\nsearch (SQLite FTS5, {s['indexed']} docs, {s['text_files']} with text): "
          f"read text {s['read_text_s'] * 1000:.0f} ms, build {s['build_index_s'] * 1000:.0f} ms; "
          f"{s['queries']} queries p50 {s['p50_ms']:.2f} ms, p95 {s['p95_ms']:.2f} ms, "
          f"{s['mean_hits']:.1f} hits on average")  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench documents")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args(argv)
    results = asyncio.run(run(args))
    report(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "documents.json").write_text(json.dumps(results, indent=2))
    print(f"\nwrote {RESULTS / 'documents.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(__import__("sys").argv[1:]))
