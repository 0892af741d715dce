"""Command line: ``townhall demo`` (the sample council), ``townhall serve``, ``townhall schema``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

import uvicorn

from .settings import load_settings

log = logging.getLogger("townhall")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="townhall", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", help="serve the gateway, configured by TOWNHALL_* settings"
    )
    serve.add_argument("--workers", type=int, default=1)

    demo = commands.add_parser("demo", help="serve the embedded sample council")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--fixtures", type=Path, default=None, help="sample council folder")
    demo.add_argument("--workdir", type=Path, default=Path("var/demo"))

    schema = commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    schema.add_argument("--output", type=Path, default=None)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every request URL at INFO: SCIM filters carry names and employee numbers.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    if args.command == "schema":
        from schema import build_schema

        text = build_schema().as_str() + "\n"
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0

    if args.command == "serve":
        settings = load_settings()
        uvicorn.run(
            "gateway.asgi:build",
            factory=True,
            host=settings.server.host,
            port=settings.server.port,
            workers=args.workers,
            loop="uvloop",
            http="httptools",
            log_level="info",
        )
        return 0

    from .demo import default_fixtures, run_demo

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    fixtures = (args.fixtures or default_fixtures()).resolve()
    asyncio.run(run_demo(port=args.port, fixtures=fixtures, workdir=workdir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
