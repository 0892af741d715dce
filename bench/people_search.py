"""People search over many generated people, against the embedded directory.

    python -m bench people_search [--people 50000] [--queries 200] [--rounds 2]

Writes an LDIF of ``--people`` generated people (names, titles, departments and
offices drawn from small lists, so words repeat as in a real council), serves it
with the embedded directory (the same connector, client and protocol as a DC),
then times ``search_people`` (the connector's one search, as the `people(search:)`
query makes on a cache miss) for ``--queries`` queries of one or two words, each
round in the same order, and the whole-directory page index (``people_index``)
against the full listing. Prints p50/p95/max with the goal (p95 <= 50 ms) beside,
and writes bench/results/people_search.json. Samba is not measured at 50,000:
loading that many accounts into a DC takes longer than the benchmark is worth.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.directory import open_embedded

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BASE = "DC=bench,DC=northshire,DC=test"
GOAL_P95_MS = 50.0
GIVEN = ["Priya", "John", "Aisha", "Tom", "Sarah", "Mohammed", "Emma", "Liam", "Olivia", "Noah",
         "Fatima", "James", "Chloe", "Ravi", "Grace", "Oscar", "Zara", "Lukasz", "René", "Ilkay"]  # fmt: skip
FAMILY = ["Shah", "Bradshaw", "Rahman", "Smith", "Jones", "Taylor", "Brown", "Khan", "Wilson",
          "Evans", "Thomas", "Roberts", "Patel", "Walker", "Wright", "Hughes", "Green", "Hall"]  # fmt: skip
TITLES = ["Planning Officer", "Social Worker", "Housing Strategy Officer", "Finance Analyst",
          "Team Leader", "Highways Engineer", "Customer Adviser", "HR Business Partner",
          "Environmental Health Officer", "Librarian", "Data Analyst", "Service Manager"]  # fmt: skip
DEPARTMENTS = ["Planning", "Housing", "Finance", "Adult Social Care", "Children's Services",
               "Highways and Transport", "Customer Services", "Libraries", "Waste"]  # fmt: skip
OFFICES = ["County Hall, Northam", "Riverside House", "Eastgate Depot", "Market Street Library"]


def generate_ldif(path: Path, people: int, seed: int = 14) -> list[tuple[str, str, str, str]]:
    """People under one OU; returns (given, family, title, department) of each."""
    rng = random.Random(seed)
    rows = []
    with path.open("w", encoding="utf-8") as out:
        out.write(f"dn: OU=Staff,{BASE}\nobjectClass: top\nobjectClass: organizationalUnit\n\n")
        for i in range(people):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            title, department, office = rng.choice(TITLES), rng.choice(DEPARTMENTS), rng.choice(OFFICES)  # fmt: skip
            name = f"{given} {family} {i}"
            guid = base64.b64encode(uuid.UUID(int=rng.getrandbits(128)).bytes_le).decode()
            out.write(
                f"dn: CN={name},OU=Staff,{BASE}\nobjectClass: top\nobjectClass: person\n"
                f"objectClass: organizationalPerson\nobjectClass: user\ncn: {name}\n"
                f"sAMAccountName: p{i}\ndisplayName: {given} {family}\ngivenName: {given}\n"
                f"sn: {family}\ntitle: {title}\ndepartment: {department}\n"
                f"physicalDeliveryOfficeName: {office}\nuserAccountControl: 512\n"
                f"objectGUID:: {guid}\n\n"
            )
            rows.append((given, family, title, department))
    return rows


def queries(rows: list[tuple[str, str, str, str]], count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        given, family, title, department = rng.choice(rows)
        made.append(rng.choice([given, family, f"{given} {family}", title.split()[0],
                                f"{family} {department.split()[0]}"]))  # fmt: skip
    return made


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(ldif: Path, words: list[str], rounds: int) -> dict[str, Any]:
    directory = open_embedded(ldif, BASE)
    try:
        await directory.ping()
        times: list[float] = []
        found = 0
        for _ in range(rounds):
            for text in words:
                started = time.perf_counter()
                found += len(await directory.search_people(text))
                times.append(time.perf_counter() - started)
        index_times, listing_times = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            index = await directory.people_index(include_leavers=True)
            index_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            listing = await directory.search_people(None, include_leavers=True)
            listing_times.append(time.perf_counter() - started)
        if index != [p.guid for p in listing]:
            raise RuntimeError("the page index and the listing disagree")
        ms = [t * 1000 for t in times]
        p95 = percentile(ms, 0.95)
        return {
            "search": {
                "queries": len(words), "rounds": rounds, "matches_per_query": found // len(times),
                "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(p95, 1),
                "max_ms": round(max(ms), 1), "goal_p95_ms": GOAL_P95_MS,
                "p95_over_goal": round(p95 / GOAL_P95_MS, 2),
            },
            "everyone": {
                "people": len(index),
                "index_ms": round(min(index_times) * 1000, 1),
                "full_listing_ms": round(min(listing_times) * 1000, 1),
                "listing_over_index": round(min(listing_times) / min(index_times), 2),
            },
        }  # fmt: skip
    finally:
        await directory.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench people_search", description=__doc__)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="townhall-bench-people-") as workdir:
        ldif = Path(workdir) / "people.ldif"
        started = time.perf_counter()
        rows = generate_ldif(ldif, args.people)
        generated = time.perf_counter() - started
        result = asyncio.run(run(ldif, queries(rows, args.queries), args.rounds))
    result.update({
        "benchmark": "people_search", "directory": "embedded", "people": args.people,
        "generated_s": round(generated, 1),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(), "machine": platform.machine(),
    })  # fmt: skip
    s, e = result["search"], result["everyone"]
    print(f"people search over {args.people} people (embedded), {s['queries']} queries x "
          f"{s['rounds']} rounds, ~{s['matches_per_query']} matches each")  # fmt: skip
    print(f"  p50 {s['p50_ms']} ms   p95 {s['p95_ms']} ms (goal <= {GOAL_P95_MS:g} ms: "
          f"{s['p95_over_goal']}x the goal)   max {s['max_ms']} ms")  # fmt: skip
    print(f"everyone ({e['people']}): page index {e['index_ms']} ms vs full listing "
          f"{e['full_listing_ms']} ms ({e['listing_over_index']}x)")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "people_search.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


__all__ = ["main"]
