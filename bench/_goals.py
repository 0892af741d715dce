"""Issue #14's goals for the rows ``bench gateway`` measures: each goal written beside its
figure in the results, gathered into one table, and printed with whether it is met."""

from __future__ import annotations

from typing import Any

WARM_OVER_CEILING = 0.8  # warm ÷ ceiling, each shape
FLOOR_SHARE = 0.15  # { __typename }'s time per request ÷ the ceiling card's
COLD_RATIO = 1.5  # cold seconds ÷ (delayed levels x delay), each shape
RESPONSE_CACHE = 5.0  # a repeated widget operation's rate ÷ the ceiling's
RSS_MB = 250.0  # a worker's RSS with 100k people cached
SHAPES = ("card", "list100", "document")


def _row(measure: str, figure: Any, goal: str, met: bool | None, note: str = "") -> dict[str, Any]:
    return {"measure": measure, "figure": figure, "goal": goal, "met": met, "note": note}


def annotate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Write each goal beside its figure in ``results``; return the table of every row."""
    rows: list[dict[str, Any]] = []
    throughput = results.get("throughput", {})
    for shape in SHAPES:
        found = throughput.get(shape)
        ratio = found["warm_over_ceiling"] if found else None
        met = None if ratio is None else ratio >= WARM_OVER_CEILING
        if found:
            found["goal"], found["met"] = f">= {WARM_OVER_CEILING}", met
        rows.append(_row(f"warm / ceiling, {shape}", ratio, f">= {WARM_OVER_CEILING}", met))
    floor = results.get("floor")
    share = floor["share_of_ceiling_card"] if floor else None
    met = None if share is None else share <= FLOOR_SHARE
    if floor:
        floor["goal"], floor["met"] = f"<= {FLOOR_SHARE}", met
    rows.append(_row("{ __typename } time / ceiling card's time", share, f"<= {FLOOR_SHARE}", met))
    cold = results.get("cold_latency", {})
    for shape in SHAPES:
        found = cold.get(shape)
        ratio = found["ratio"] if found else None
        note = ""
        if found:
            found["goal"] = f"<= {COLD_RATIO}"
            found["met"] = None if ratio is None else ratio <= COLD_RATIO
            if ratio is None:
                note = "nothing delayed on its path: the embedded directory is not delayed"
        rows.append(_row(f"cold / (levels x delay), {shape}", ratio, f"<= {COLD_RATIO}",
                         None if ratio is None else ratio <= COLD_RATIO, note))  # fmt: skip
    photo = results.get("in_process", {}).get("photo")
    if photo and "skipped" in photo:
        rows.append(_row("a photo", None, "0, 304", None, photo["skipped"]))
    elif photo:
        met = photo["warm_directory_calls"] == 0 and photo["cacheable"]
        photo["goal"] = "0 directory calls warm; cacheable by the browser"
        photo["met"] = met
        figure = f"{photo['warm_directory_calls']} calls, {photo['status'][-1]}"
        note = f"warm; then If-None-Match; {photo['cache_control']}"
        rows.append(_row("a photo: directory calls warm, revalidated", figure, "0, 304", met, note))
    cache = results.get("response_cache", {})
    shapes = {k: v for k, v in cache.items() if isinstance(v, dict) and "over_ceiling" in v}
    for shape, found in shapes.items():
        found["goal"] = f">= {RESPONSE_CACHE}"
        found["met"] = found["over_ceiling"] >= RESPONSE_CACHE
        rows.append(_row(f"response cache / ceiling, {shape}", found["over_ceiling"],
                         f">= {RESPONSE_CACHE}", found["met"]))  # fmt: skip
    if not shapes:
        note = str(cache.get("skipped") or cache.get("error") or "not measured")
        rows.append(_row("response cache / ceiling", None, f">= {RESPONSE_CACHE}", None, note))
    memory = results.get("memory", {})
    big = next((v for k, v in memory.items() if k.startswith("generated_")), None)
    rows.append(_row(f"RSS MB, {big['people'] if big else 100_000} people cached",
                     big["rss_mb_cached"] if big else None, f"<= {RSS_MB:.0f}",
                     None if big is None else big["rss_mb_cached"] <= RSS_MB))  # fmt: skip
    return rows


def report(rows: list[dict[str, Any]]) -> None:
    print("\nGoals (issue #14): the rows this benchmark measures")
    print(f"   {'measure':44} {'figure':>12}  {'goal':>8}  met")
    for row in rows:
        figure = row["figure"]
        text = f"{figure:.3f}" if isinstance(figure, float) else "-" if figure is None else figure
        met = {True: "yes", False: "NO", None: "n/a"}[row["met"]]
        note = f"  ({row['note']})" if row["note"] else ""
        print(f"   {row['measure']:44} {text:>12}  {row['goal']:>8}  {met}{note}")
