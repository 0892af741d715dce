"""The production wheel (``pip wheel .``): the service and its package data, and no demo or
test code.

The wheel is built from a copy of the source tree (as a fresh checkout would be, without the
virtualenvs, caches and earlier build output), so that nothing stale in ``build/`` reaches the
file list and the shared working tree is not written to.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: What a checkout does not hold (.gitignore's entries) or the build does not need.
NOT_IN_A_CHECKOUT = shutil.ignore_patterns(
    ".git",
    ".venv*",
    "node_modules",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    "var",
    "build",
    "dist",
    "*.egg-info",
)

#: Top-level packages of the wheel: the service, the API, the connectors, the typed client.
PACKAGES = {"gateway", "schema", "connectors", "townhall_client"}

#: Package data the service needs at run time, by path in the wheel.
PACKAGE_DATA = [
    "gateway/static/graphiql.html",
    "gateway/static/graphiql/LICENSES.txt",
    "gateway/static/widgets/v1/townhall.js",
    "gateway/static/widgets/v1/operations.json",
    "gateway/static/widgets/v1/SHA256SUMS",
    "gateway/static/widgets/v1/LICENSES.txt",
    "connectors/social/migrations/env.py",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built by ``pip wheel`` from a clean copy of the source tree."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "townhall"
    shutil.copytree(REPO, source, ignore=NOT_IN_A_CHECKOUT, symlinks=True)
    out = work / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    [built] = out.glob("townhall-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_files(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_the_wheel_holds_the_service_and_nothing_else(wheel_files: list[str]) -> None:
    top = {name.split("/", 1)[0] for name in wheel_files}
    metadata = {name for name in top if name.endswith(".dist-info")}
    assert top - metadata == PACKAGES
    for package in PACKAGES:
        assert f"{package}/__init__.py" in wheel_files
    assert "gateway/cli.py" in wheel_files and "gateway/app.py" in wheel_files


def test_the_wheel_holds_the_package_data(wheel_files: list[str]) -> None:
    for path in PACKAGE_DATA:
        assert path in wheel_files, path
    # Every vendored GraphiQL asset, digest template and migration of the source tree.
    for folder, pattern in [
        ("gateway/static/graphiql", "*.js"),
        ("gateway/static/graphiql", "*.css"),
        ("gateway/digests/templates", "*"),
        ("connectors/social/migrations/versions", "*.py"),
    ]:
        shipped = sorted((REPO / folder).glob(pattern))
        assert shipped, f"{folder}/{pattern} matches nothing in the source tree"
        for file in shipped:
            assert f"{folder}/{file.name}" in wheel_files, f"{folder}/{file.name}"
    assert "townhall_client/client.py" in wheel_files


def test_the_wheel_carries_no_demo_or_test_code(wheel_files: list[str]) -> None:
    names = [name.lower() for name in wheel_files]
    for name in names:
        parts = name.split("/")
        assert parts[0] not in {"townhall_demo", "portal", "tests", "fixtures", "bench"}, name
        # The demo's launchers lived in the gateway once; no copy of them may come back.
        assert parts[-1] not in {"upstreams.py", "demo.py", "launcher.py", "conftest.py"}, name
        assert not parts[-1].startswith("test_"), name
        assert "fixtures" not in parts and "tests" not in parts, name
    assert not [n for n in names if n.endswith((".ldif", ".whl", ".png"))]


def test_a_wheel_without_the_demo_says_so(wheel: Path, tmp_path: Path) -> None:
    """``townhall demo`` from the installed wheel, which has no demo: a clear message, exit 2."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)  # a pure-Python wheel's layout is its installed layout
    # Isolated (-I: no current folder, no PYTHONPATH), the wheel's packages first on the path.
    code = (
        f"import sys; sys.path.insert(0, {str(site)!r}); from gateway.cli import main; "
        "raise SystemExit(main(['demo']))"
    )
    run = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert run.returncode == 2, run.stderr[-2000:]
    assert "the demo is not installed" in run.stderr
    assert "Traceback" not in run.stderr
