"""The deployment files in deploy/: the systemd units pass ``systemd-analyze verify``, the
HAProxy configuration passes ``haproxy -c``, the example environment file makes valid
production settings, and the Dockerfile has the structure the README promises (a build
stage, a non-root user, no secrets). No container engine runs here: the image is not built.

A missing tool fails the test (tests/servers/install-packages.sh installs haproxy; systemd
is Debian's): nothing is skipped silently. Each check is also run on a broken copy, so a
check that passes everything would fail here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values
from servers.certificates import write_test_certificates

from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
INSTALLED_TOWNHALL = "/opt/townhall/bin/townhall"
SECRET_NAMES = re.compile(r"PASSWORD|TOKEN|SECRET|SIGNING_KEY", re.I)


def tool(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/bin") / name, Path("/usr/sbin") / name) if p.exists()), None
    )
    if found is None:
        pytest.fail(f"{name} is missing: run tests/servers/install-packages.sh (or apt-get)")
    return found


# -- systemd ---------------------------------------------------------------------------------


def verify_units(texts: dict[str, str], tmp_path: Path) -> str:
    """``systemd-analyze verify`` on the units, their ExecStart pointed at this checkout's
    ``townhall`` (verify checks that the program exists); its complaints, or ''."""
    townhall = Path(sys.executable).parent / "townhall"
    assert townhall.exists(), "the townhall command is not installed in this environment"
    tmp_path.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in texts.items():
        path = tmp_path / name
        path.write_text(text.replace(INSTALLED_TOWNHALL, str(townhall)))
        paths.append(str(path))
    result = subprocess.run(
        [tool("systemd-analyze"), "verify", *paths], capture_output=True, text=True, timeout=60
    )
    # verify exits 0 on unknown keys and unparsable values, only saying so: both count.
    return (result.stdout + result.stderr).strip() + (
        f" (exit {result.returncode})" * bool(result.returncode)
    )


UNITS = ("townhall.service", "townhall-worker.service")


def test_systemd_units_verify(tmp_path: Path) -> None:
    texts = {name: (DEPLOY / name).read_text() for name in UNITS}
    assert verify_units(texts, tmp_path / "good") == ""
    broken = {n: t.replace("PrivateTmp=yes", "PrivateTmp=perhaps") for n, t in texts.items()}
    assert "perhaps" in verify_units(broken, tmp_path / "broken")


@pytest.mark.parametrize(
    ("name", "command"), [(UNITS[0], "serve --workers "), (UNITS[1], "worker")]
)
def test_systemd_units_run_townhall_hardened(name: str, command: str) -> None:
    text = (DEPLOY / name).read_text()
    directives = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")
    )
    assert directives["ExecStart"].startswith(f"{INSTALLED_TOWNHALL} {command}")
    assert directives["EnvironmentFile"] == "/etc/townhall/townhall.env"
    assert directives["User"] == "townhall" and directives["Group"] == "townhall"
    assert directives["Restart"] == "on-failure"
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
                       "ProtectHome": "yes", "CapabilityBoundingSet": ""}.items():  # fmt: skip
        assert directives[key] == value, key
    assert directives["ReadWritePaths"] == "/var/lib/townhall"
    assert directives["WorkingDirectory"] == "/var/lib/townhall"


# -- HAProxy ---------------------------------------------------------------------------------


def check_haproxy(text: str, tmp_path: Path) -> str:
    """``haproxy -c`` on the configuration with a test certificate in place of the
    council's; its complaints (alerts and warnings), or ''."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    certificates = write_test_certificates(tmp_path / "certs", "townhall.test")
    pem = tmp_path / "townhall.pem"
    pem.write_text(certificates.certificate.read_text() + certificates.key.read_text())
    config = tmp_path / "haproxy.cfg"
    config.write_text(text.replace("/etc/haproxy/certs/townhall.pem", str(pem)))
    result = subprocess.run(
        [tool("haproxy"), "-c", "-f", str(config)], capture_output=True, text=True, timeout=60
    )
    output = (result.stdout + result.stderr).replace("Configuration file is valid", "").strip()
    return output + (f" (exit {result.returncode})" * bool(result.returncode))


def test_haproxy_config_is_valid(tmp_path: Path) -> None:
    text = (DEPLOY / "haproxy.cfg").read_text()
    assert check_haproxy(text, tmp_path / "good") == ""
    broken = text.replace("balance leastconn", "balance fewestconn")
    complaints = check_haproxy(broken, tmp_path / "broken")
    assert "[ALERT]" in complaints and complaints.endswith("(exit 1)")


def test_haproxy_config_does_what_the_readme_says() -> None:
    text = (DEPLOY / "haproxy.cfg").read_text()
    assert re.search(r"^\s*bind :443 ssl crt \S+", text, re.M), "TLS ends at HAProxy"
    assert len(re.findall(r"http-check send meth GET uri /healthz", text)) == 2
    assert re.search(r"^\s*timeout tunnel 1h", text, re.M), "long WebSocket tunnels"
    assert "use_backend townhall_live if websocket graphql" in text
    assert re.search(r"acl metrics path,url_dec -m reg -i \^/\+metrics", text)
    assert "http-request deny deny_status 404 if metrics" in text


# -- the environment file ------------------------------------------------------------------


def test_example_env_makes_valid_production_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    values = dotenv_values(DEPLOY / "townhall.env")
    assert all(v is not None for v in values.values())
    for name in [n for n in os.environ if n.startswith("TOWNHALL_")]:
        monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, str(value))
    settings = Settings(_env_file=None)
    assert settings.environment == "production"
    assert settings.worker.mode == "separate"
    assert settings.cache.backend == "redis"
    assert settings.social.database_url.startswith("postgresql+asyncpg://")
    assert settings.documents.search_database_url.startswith("postgresql+asyncpg://")
    assert settings.server.cors_origins == ["https://intranet.council.example"]
    assert settings.access.hr_groups == ["HR Business Partners"]
    # No real secret: every secret is a <placeholder>.
    secrets = {n: v for n, v in values.items() if SECRET_NAMES.search(n)}
    assert secrets, "the file names the secrets to set"
    for name, value in secrets.items():
        assert re.fullmatch(r"<[^>]+>", str(value)), name
    for name in ("SOCIAL__DATABASE_URL", "CACHE__REDIS_URL"):
        assert "<" in str(values[f"TOWNHALL_{name}"]), f"{name} carries a placeholder password"


def test_example_env_quotes_json_for_systemd() -> None:
    """systemd's EnvironmentFile removes double quotes as a shell would: a JSON list must sit
    in single quotes to arrive whole."""
    for line in (DEPLOY / "townhall.env").read_text().splitlines():
        if not line.startswith("#") and "=" in line:
            value = line.split("=", 1)[1]
            if '"' in value:
                assert value.startswith("'") and value.endswith("'"), line


# -- the Dockerfile -------------------------------------------------------------------------


def test_dockerfile_builds_the_wheel_then_runs_it_as_non_root() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?$", text, re.M)
    assert stages[0] == ("python:3.11-slim", "build")
    assert len(stages) == 2 and stages[1][0] == "python:3.11-slim"
    build, runtime = re.split(r"^FROM .*$", text, flags=re.M)[1:]
    assert "pip wheel" in build
    assert "pip install" in runtime and "from=build" in runtime and "--no-index" in runtime
    users = re.findall(r"^USER (\S+)$", runtime, re.M)
    assert users, "the image runs as a named user"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    # The wheel only: no demo, tests, fixtures or benchmarks are copied in.
    copied = re.findall(r"^COPY (?!--from)(\S+)", text, re.M)
    assert set(copied) == {"pyproject.toml", "gateway", "schema", "connectors", "townhall_client"}
    assert re.search(r'^ENTRYPOINT \["townhall"\]', text, re.M)


def test_dockerfile_holds_no_secrets() -> None:
    for name in ("Dockerfile", "Dockerfile.dockerignore"):
        for line in (DEPLOY / name).read_text().splitlines():
            if line.startswith(("ENV", "ARG")) or line.startswith(" "):
                assert not SECRET_NAMES.search(line), line
    ignore = [
        line
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert ignore[0] == "*", "everything is left out unless named"
    assert not any(entry.startswith("!") and ".env" in entry for entry in ignore)
