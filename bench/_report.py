"""The gateway benchmark's printed report: each step's table, then the goals."""

from __future__ import annotations

from typing import Any

from ._goals import report as report_goals
from ._overheads import report_observability, report_safety


def report(results: dict[str, Any]) -> None:
    if "observability" in results:
        report_observability(results["observability"])
        return
    if "throughput" not in results:
        report_safety(results["safety"])
        return
    print(f"\n1. ceiling vs warm (req/s, best of {len(results['floor']['rounds'])} rounds; "
          "p50/p99 ms; wrk, one worker)")  # fmt: skip
    print(f"{'shape':10} {'ceiling':>10} {'warm':>10} {'ratio':>7}   "
          f"{'ceil p50/p99':>14} {'warm p50/p99':>14}")  # fmt: skip
    for name, r in results["throughput"].items():
        c, w = r["ceiling"], r["warm"]
        print(f"{name:10} {c['rps']:>10.0f} {w['rps']:>10.0f} {r['warm_over_ceiling']:>7.2f}   "
              f"{c['p50_ms']:>6.1f}/{c['p99_ms']:<7.1f} {w['p50_ms']:>6.1f}/{w['p99_ms']:<7.1f}")  # fmt: skip
    f = results["floor"]
    print(f"floor      {f['query']} on Townhall: {f['townhall']['rps']:.0f} req/s; its time per "
          f"request is {f['share_of_ceiling_card']:.3f} of the ceiling card's "
          f"({f['ceiling_card']['rps']:.0f} req/s)")  # fmt: skip
    print("\n2. upstream calls per shape (directory/hr/documents)")
    for name, r in results["in_process"]["calls"].items():
        cold, warm = r["cold"], r["warm"]
        print(f"{name:10} cold {cold['directory']}/{cold['hr']}/{cold['documents']}   "
              f"warm {warm['directory']}/{warm['hr']}/{warm['documents']}")  # fmt: skip
    p = results["in_process"]["photo"]
    if "skipped" in p:
        print(f"photo      skipped: {p['skipped']}")
    else:
        print(f"photo      directory calls cold {p['cold_directory_calls']}, warm "
              f"{p['warm_directory_calls']}, If-None-Match {p['revalidated_directory_calls']} "
              f"(HTTP {'/'.join(map(str, p['status']))}); {p['cache_control']}")  # fmt: skip
    print("\n3. cold latency with a fixed delay per upstream call (and with none)")
    for name, r in results["cold_latency"].items():
        ratio = f"{r['ratio']:.2f} x" if r["ratio"] is not None else "n/a"
        print(f"{name:10} {r['seconds'] * 1000:8.1f} ms = {ratio} ({r['delayed_levels']} level x "
              f"{r['delay'] * 1000:.0f} ms); {r['seconds_undelayed'] * 1000:.1f} ms undelayed: "
              f"{r['delayed_round_trips']:.1f} delayed round trips on the critical path")  # fmt: skip
    sf = results["in_process"]["single_flight"]
    print(f"\n4. single flight: {sf['concurrent_requests']} identical cold card requests -> calls {sf['calls_concurrent']} "
          f"(one request alone: {sf['calls_one_request']})")  # fmt: skip
    print("\n5. response cache: a repeated widget operation's req/s over the ceiling's")
    cache = results["response_cache"]
    for name, r in cache.items():
        if isinstance(r, dict):
            print(f"{name:10} {r.get('rps', float('nan')):>10.0f} req/s = "
                  f"{r.get('over_ceiling', r.get('over_ceiling_card', float('nan'))):.2f} x the ceiling")  # fmt: skip
        else:
            print(f"   {name}: {r}")
    report_safety(results["safety"])
    print("\n8. memory (RSS of a worker process, MB)")
    for label, r in results["memory"].items():
        print(f"{label:18} {r['people']:>7} people cached: {r['rss_mb_cached']:.1f} MB "
              f"(start {r['rss_mb_start']:.1f} MB)")  # fmt: skip
    report_goals(results["goals"])
    m = results["machine"]
    print(f"\nload average {m['loadavg_start']} at the start, {m['loadavg_end']} at the end "
          f"({m['cpus']} CPUs)")  # fmt: skip
