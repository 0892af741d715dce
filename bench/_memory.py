"""The gateway benchmark's memory step: the RSS of a worker with the directory cached.

Each count runs in a fresh process, which first loads what a worker loads (the app and
its schema), then caches the people as the start-up warm-up does
(``gateway.warmup.store_people``: by GUID, DN, UPN and account name, the managers'
direct reports and the whole-directory listing) with an HR record for each, keyed as
``warm_hr`` keys them: the sample council read from its LDIF, and generated people
(100,000, the issue's goal); then it hands the freed heap back as the warm-up does when
it ends (``release_freed_memory``). The cache is the worker's own (``RecordCache.memory()``
with the default bound); how many entries it holds is reported beside the RSS, and how much
of the RSS is CPython's small-object pools left empty by objects that passed through.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from ._serving import FIXTURES, ROOT

GENERATED = 100_000
GOAL_MB = 250.0  # issue #14: a worker's RSS with 100k people cached

SCRIPT = r"""
import asyncio, gc, json, sys, uuid
from pathlib import Path

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

import gateway.app  # what a worker loads, before any record
from schema import build_schema
from connectors.directory import DirectoryPerson
from connectors.hr import HRRecord
from gateway.cache import RecordCache
from gateway.loaders import hr_cache_keys
from gateway.settings import CacheSettings
from gateway.warmup import release_freed_memory, store_people

build_schema()

async def main(count, source):
    cache = RecordCache.memory()
    gc.collect()
    base = rss()
    if count == 0:  # the sample council's records, read by another process (see memory())
        people = [DirectoryPerson(**p) for p in json.loads(Path(source).read_text())]
    else:
        suffix = "OU=Staff,DC=ad,DC=council,DC=test"
        people = [
            DirectoryPerson(guid=str(uuid.UUID(int=n)), dn=f"CN=Person {n},{suffix}",
                account_name=f"person.{n}", upn=f"person.{n}@council.test",
                display_name=f"Person {n}", given_name="Person", surname=str(n),
                mail=f"person.{n}@council.test", title="Officer", department="Department",
                office="County Hall", telephone="01632 960000", employee_id=f"E{n:06d}",
                manager_dn=f"CN=Person {n // 10},{suffix}" if n else None, has_photo=True)
            for n in range(count)
        ]
    await store_people(cache, people, CacheSettings())
    hr = hr_cache_keys([HRRecord(scim_id=p.guid, employee_number=p.employee_id or p.guid,
          grade="PO3", job_title=p.title, working_pattern="Full time", work_location=p.office)
          for p in people], "employee_number")
    await cache.set_many("hr", hr, ttl=3600, missing_ttl=60)
    cached = len(people)
    del people, hr
    gc.collect()
    release_freed_memory()  # as the warm-up does when it ends
    cached_mb = rss()
    print(json.dumps({"people": cached, "rss_mb_start": round(base, 1),
                      "rss_mb_cached": round(cached_mb, 1), "entries": len(cache.store),
                      "kb_per_person": round((cached_mb - base) * 1024 / cached, 2)}))
    sys.stdout.flush()
    sys._debugmallocstats()  # to stderr: how much of the RSS is empty small-object pools

asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
"""

# The sample council's people as the directory connector reads them, written as JSON: read
# in a process of their own, so the embedded directory's memory is not counted as cache.
READ_COUNCIL = r"""
import asyncio, json, sys
from pathlib import Path
from connectors.directory import open_embedded

async def main(ldif, out):
    directory = open_embedded(Path(ldif), "DC=ad,DC=northshire,DC=test")
    people = await directory.search_people(None, include_leavers=True)
    await directory.close()
    Path(out).write_text(json.dumps([p.model_dump(mode="json") for p in people]))

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def _free_pools_mb(stats: str) -> float | None:
    """MB of CPython's small-object pools left empty but still resident (from
    ``sys._debugmallocstats``): freed by the objects that passed through, not given back."""
    found = re.search(r"(\d[\d,]*) unused pools \* (\d+) bytes", stats)
    if found is None:
        return None
    return round(int(found[1].replace(",", "")) * int(found[2]) / 2**20, 1)


def memory(workdir: Path) -> dict[str, Any]:
    """RSS in MB before and after caching, for the sample council and generated people."""
    council = workdir / "council-people.json"
    subprocess.run(
        [sys.executable, "-c", READ_COUNCIL, str(FIXTURES / "directory.ldif"), str(council)],
        capture_output=True, check=True, cwd=ROOT,
    )  # fmt: skip
    out: dict[str, Any] = {}
    for label, count in (("sample_council", 0), (f"generated_{GENERATED}", GENERATED)):
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(count), str(council)],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        out[label] = json.loads(result.stdout.strip().splitlines()[-1])
        out[label]["free_pools_mb"] = _free_pools_mb(result.stderr)
    big = out[f"generated_{GENERATED}"]
    big["goal_mb"] = GOAL_MB
    big["met"] = bool(big["rss_mb_cached"] <= GOAL_MB)
    return out
