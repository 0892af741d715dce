"""The gateway benchmark's overhead steps: what the limits, budgets and trusted documents
cost the warm card, and what JSON logs and tracing every request cost it (each variant a
gateway of its own, measured interleaved in one run)."""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from townhall_demo.upstreams import free_port

from ._serving import VIEWER, settings_for, shapes, uvicorn_process, wait_http, wrk


async def safety_steps(iterations: int = 20_000) -> dict[str, float]:
    """CPU microseconds per request of the steps the limits add, in process: resolving the
    document (trusted documents), preparing it (cached parse, validation, measure), and
    spending the budget (in memory)."""
    from gateway.budgets import Budgets
    from gateway.operations import OperationPreparer
    from gateway.settings import LimitsSettings
    from gateway.trusted import DocumentResolver, TrustedDocuments
    from schema import build_schema

    body = shapes()["card"]
    preparer = OperationPreparer(build_schema()._schema, LimitsSettings())
    resolver = DocumentResolver(TrustedDocuments.load())
    budgets = Budgets.memory(10**12)
    preparer.prepare(body["query"], None, body["variables"], discovery=True)
    results = {}
    started = time.process_time()
    for _ in range(iterations):
        await resolver.resolve(body["query"], None, may_register=False)
    results["trusted_us"] = (time.process_time() - started) / iterations * 1e6
    started = time.process_time()
    for _ in range(iterations):
        preparer.prepare(body["query"], None, body["variables"], discovery=True)
    results["prepare_us"] = (time.process_time() - started) / iterations * 1e6
    started = time.process_time()
    for i in range(iterations):
        await budgets.spend(f"viewer-{i % 2000}", 31)
    results["budget_us"] = (time.process_time() - started) / iterations * 1e6
    return results


async def safety_overhead(
    args: argparse.Namespace, up: dict[str, Any], workdir: Path, rounds: int = 3
) -> dict[str, Any]:
    """The warm card with the operation limits, budgets and trusted documents as shipped,
    against the same gateway with budgets and trusted documents off and the limits out of
    reach (the cached measure still runs): req/s interleaved over ``rounds``, one run."""
    processes: dict[str, subprocess.Popen[bytes]] = {}
    ports = {"safe": free_port(), "bare": free_port()}
    try:
        for label, port in ports.items():
            settings = settings_for(up["scim"], up["dav"], workdir, port, up["directory"])
            settings["cache"]["warm_directory"] = "startup"
            settings["social"]["database_url"] = f"sqlite+aiosqlite:///{workdir / label}.db"
            if label == "bare":
                settings["limits"] = {"budget_per_minute": 0, "trusted_documents": "off",
                                      "max_cost": 10**9, "max_depth": 100, "max_aliases": 10**6,
                                      "max_objects": 10**9}  # fmt: skip
            file = workdir / f"settings-{label}.json"
            file.write_text(json.dumps(settings))
            processes[label] = uvicorn_process("gateway.asgi:build", port,
                                               {"TOWNHALL_SETTINGS_FILE": str(file)}, factory=True)  # fmt: skip
        body = shapes()["card"]
        async with httpx.AsyncClient(timeout=60, headers={"X-Townhall-User": VIEWER}) as client:
            for port in ports.values():
                await wait_http(f"http://127.0.0.1:{port}/healthz")
                answer = (await client.post(f"http://127.0.0.1:{port}/graphql", json=body)).json()
                if answer.get("errors"):
                    raise RuntimeError(f"card on port {port}: {str(answer)[:500]}")
        rps: dict[str, list[float]] = {"safe": [], "bare": []}
        for _ in range(rounds):
            for label, port in ports.items():
                url = f"http://127.0.0.1:{port}/graphql"
                rps[label].append(wrk(url, body, args.duration, args.connections, workdir)["rps"])
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(10)
    safe, bare = sum(rps["safe"]), sum(rps["bare"])
    steps = await safety_steps()
    card_us = 1e6 * rounds / safe  # one worker, saturated by wrk: wall time per request
    added = steps["trusted_us"] + steps["prepare_us"] + steps["budget_us"]
    return {
        "rps": rps,
        "safe_over_bare": round(safe / bare, 3),
        "rounds": rounds,
        "steps_us": {k: round(v, 1) for k, v in steps.items()},
        "card_us": round(card_us, 1),
        "steps_share_of_card": round(added / card_us, 4),
    }


TRACE_EVERY_REQUEST = {
    "enabled": True,
    "exporter": "none",
    "sample_ratio": 1.0,
    "resolver_sample_ratio": 0.0,
}


async def observability_overhead(
    args: argparse.Namespace, up: dict[str, Any], workdir: Path, rounds: int = 3
) -> dict[str, Any]:
    """The warm card with logs as text and tracing off (as shipped), against JSON logs, and
    against every request traced (spans made for the request, its SQL and upstream calls,
    resolver spans off, not exported): req/s interleaved over ``rounds``, one run."""
    variants: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
        "shipped": ({}, {}),
        "json_logs": ({}, {"TOWNHALL_LOG__FORMAT": "json"}),
        "traced": ({"tracing": TRACE_EVERY_REQUEST}, {}),
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    ports = {label: free_port() for label in variants}
    try:
        for label, (extra, env) in variants.items():
            port = ports[label]
            settings = settings_for(up["scim"], up["dav"], workdir, port, up["directory"])
            settings["cache"]["warm_directory"] = "startup"
            settings["social"]["database_url"] = f"sqlite+aiosqlite:///{workdir / label}.db"
            settings.update(extra)
            file = workdir / f"settings-{label}.json"
            file.write_text(json.dumps(settings))
            processes[label] = uvicorn_process("gateway.asgi:build", port,
                                               {"TOWNHALL_SETTINGS_FILE": str(file), **env},
                                               factory=True)  # fmt: skip
        body = shapes()["card"]
        async with httpx.AsyncClient(timeout=60, headers={"X-Townhall-User": VIEWER}) as client:
            for port in ports.values():
                await wait_http(f"http://127.0.0.1:{port}/healthz")
                answer = (await client.post(f"http://127.0.0.1:{port}/graphql", json=body)).json()
                if answer.get("errors"):
                    raise RuntimeError(f"card on port {port}: {str(answer)[:500]}")
        rps: dict[str, list[float]] = {label: [] for label in variants}
        for _ in range(rounds):
            for label, port in ports.items():
                url = f"http://127.0.0.1:{port}/graphql"
                rps[label].append(wrk(url, body, args.duration, args.connections, workdir)["rps"])
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(10)
    shipped = sum(rps["shipped"])
    return {
        "rps": rps,
        "rounds": rounds,
        "json_logs_over_shipped": round(sum(rps["json_logs"]) / shipped, 3),
        "traced_over_shipped": round(sum(rps["traced"]) / shipped, 3),
    }


def report_safety(safety: dict[str, Any]) -> None:
    print("\n6. limits, budgets and trusted documents: warm card req/s, interleaved rounds")
    print(f"   on  {' '.join(f'{r:.0f}' for r in safety['rps']['safe'])}")
    print(f"   off {' '.join(f'{r:.0f}' for r in safety['rps']['bare'])}")
    print(f"   on/off = {safety['safe_over_bare']:.3f}")
    steps = safety["steps_us"]
    print(f"   in process, CPU us per request: trusted documents {steps['trusted_us']:.1f}, "
          f"prepare (cached parse, validation, measure) {steps['prepare_us']:.1f}, "
          f"budget {steps['budget_us']:.1f}; the card takes {safety['card_us']:.0f} us: "
          f"{safety['steps_share_of_card'] * 100:.1f}% of it")  # fmt: skip


def report_observability(o: dict[str, Any]) -> None:
    print("\n7. logs and traces: warm card req/s, interleaved rounds")
    for label, values in o["rps"].items():
        print(f"   {label:10} {' '.join(f'{r:.0f}' for r in values)}")
    print(f"   JSON logs / text logs = {o['json_logs_over_shipped']:.3f}; "
          f"every request traced / tracing off = {o['traced_over_shipped']:.3f}")  # fmt: skip
