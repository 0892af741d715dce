"""Command line: ``townhall demo`` (the sample council), ``townhall serve``, ``townhall schema``,
``townhall operations`` (the registered operations and their hashes), ``townhall audit``
(check the audit trail's hash chain, list its rows), ``townhall sar export``, ``townhall
erase`` and ``townhall retention run`` (subject access, erasure, retention), ``townhall
digests send`` (email digests), ``townhall worker`` (the background jobs, apart)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import importlib.util
import json
import logging
import sys
from pathlib import Path
from types import ModuleType

from . import privacy_cli, serving
from .digests import cli as digests_cli
from .logs import configure_logging
from .settings import load_settings

log = logging.getLogger("townhall")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="townhall", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", help="serve the gateway, configured by TOWNHALL_* settings"
    )
    serve.add_argument("--workers", type=int, default=1)
    commands.add_parser(
        "worker",
        help="run the background jobs (with worker.mode 'separate'; one is active at a time)",
    )

    demo = commands.add_parser("demo", help="serve the embedded sample council")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--fixtures", type=Path, default=None, help="sample council folder")
    demo.add_argument("--workdir", type=Path, default=Path("var/demo"))
    demo.add_argument(
        "--portal-port",
        type=int,
        default=None,
        help="serve the demo portal on this port (default: --port + 1; 0: no portal)",
    )

    schema = commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    schema.add_argument("--output", type=Path, default=None)

    operations = commands.add_parser(
        "operations", help="list the registered operations: name, type, sha256"
    )
    operations.add_argument("--json", action="store_true", help="print a JSON list")
    operations.add_argument(
        "--manifest", type=Path, default=None, help="write {sha256: document} to this file"
    )
    operations.add_argument(
        "--from",
        dest="sources",
        type=Path,
        action="append",
        default=[],
        help="also register this folder of .graphql files, .graphql file or JSON manifest",
    )

    audit = commands.add_parser("audit", help="check or list the audit trail of restricted reads")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify", help="check every row's hash and link and the chain head (exit 1 if broken)"
    )
    listing = audit_commands.add_parser("list", help="print audit rows, oldest first")
    for sub in (verify, listing):
        sub.add_argument(
            "--database-url",
            default=None,
            help="the social store's URL (default: TOWNHALL_SOCIAL__DATABASE_URL)",
        )
    verify.add_argument(
        "--anchor",
        default=None,
        metavar="ROWS:HASH",
        help="a head printed by an earlier check: the chain must still hold it",
    )
    listing.add_argument("--subject", default=None, help="only rows about this id")
    listing.add_argument("--viewer", default=None, help="only rows by this id")
    listing.add_argument("--after", type=int, default=None, help="only rows after this one")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (1-1000)")
    listing.add_argument("--json", action="store_true", help="print JSON lines")

    privacy_cli.add_commands(commands)
    digests_cli.add_commands(commands)

    args = parser.parse_args(argv)
    configure_logging()

    if args.command == "schema":
        from schema import build_schema

        text = build_schema().as_str() + "\n"
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0

    if args.command == "operations":
        return _operations(args.sources, as_json=args.json, manifest=args.manifest)

    if args.command == "audit":
        from .audit_cli import run_audit

        return run_audit(args)

    if args.command in privacy_cli.COMMANDS:
        return privacy_cli.run(args)

    if args.command == digests_cli.COMMAND:
        return digests_cli.run(args)

    if args.command == "worker":
        from .worker import main as run_worker

        return run_worker(load_settings())

    if args.command == "serve":
        settings = load_settings()
        config = serving.uvicorn_config(
            "gateway.asgi:build", settings, factory=True, workers=args.workers
        )
        return 0 if serving.run(config) else 3  # uvicorn's exit status for a failed start

    launcher = _demo_launcher()
    if launcher is None:
        sys.stderr.write(
            "townhall demo: the demo is not installed (it is not part of the production "
            "package); run it from a source checkout: pip install -e '.[demo]', make run\n"
        )
        return 2
    default_fixtures, run_demo = launcher.default_fixtures, launcher.run_demo

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    fixtures = (args.fixtures or default_fixtures()).resolve()
    # Ctrl-C is how the demo stops: uvicorn shuts each server down, then hands the signal on
    # (to the server started before it, and last to asyncio, which cancels what is left).
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            run_demo(
                port=args.port, fixtures=fixtures, workdir=workdir, portal_port=args.portal_port
            )
        )
    return 0


def _demo_launcher() -> ModuleType | None:
    """The demo launcher (``townhall_demo.launcher``), or None without it.

    Demo code is kept beside the source tree (as the sample council and the demo portal are)
    and is never in the production wheel: an editable or source install finds it next to this
    package. Imported only here, so the gateway carries no demo code of its own.
    """
    source_tree = str(Path(__file__).resolve().parent.parent)
    if importlib.util.find_spec("townhall_demo") is None:
        if not (Path(source_tree) / "townhall_demo" / "__init__.py").is_file():
            return None
        sys.path.append(source_tree)
    return importlib.import_module("townhall_demo.launcher")


def _operations(sources: list[Path], *, as_json: bool, manifest: Path | None) -> int:
    """The typed client's operations and those of ``sources``, as the gateway registers them."""
    from .trusted import TrustedDocuments, TrustedDocumentsError

    try:
        registry = TrustedDocuments.load(*sources)
    except TrustedDocumentsError as exc:
        sys.stderr.write(f"townhall operations: {exc}\n")
        return 2
    listed = [{"name": o.name, "type": o.kind, "sha256": o.sha256} for o in registry.operations()]
    if as_json:
        sys.stdout.write(json.dumps(listed, indent=2) + "\n")
    else:
        width = max((len(o["name"]) for o in listed), default=4)
        for o in listed:
            sys.stdout.write(f"{o['name']:<{width}}  {o['type']:<12}  {o['sha256']}\n")
    if manifest is not None:
        text = json.dumps(registry.manifest(), indent=2, ensure_ascii=False) + "\n"
        manifest.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
