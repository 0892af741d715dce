"""``python -m bench NAME [args]``: run one benchmark (or ``all``).

A benchmark is a module ``bench/NAME.py`` with ``main(argv: list[str]) -> int``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_NOT_BENCHMARKS = {"latency_proxy", "results", "common"}


def available() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules([str(HERE)])
        if not m.name.startswith("_") and m.name not in _NOT_BENCHMARKS
    )  # fmt: skip


def main(argv: list[str]) -> int:
    names = available()
    if not argv or argv[0] in {"-h", "--help"}:
        print(f"usage: python -m bench {{{'|'.join([*names, 'all'])}}} [args]")
        return 0 if argv else 2
    chosen = names if argv[0] == "all" else [argv[0]]
    status = 0
    for name in chosen:
        if name not in names:
            print(f"unknown benchmark {name!r}; choose from {', '.join(names)}")
            return 2
        module = importlib.import_module(f"bench.{name}")
        status |= int(module.main(argv[1:]))
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
