"""A throwaway Samba AD domain controller for the test session.

Samba is a real Active Directory implementation: the AD schema, computed
attributes (``memberOf``, ``directReports``), AD bind error sub-codes, LDAPS
with a self-signed certificate. :class:`SambaDC` provisions one into a private
folder, loads the council directory LDIF into it offline, creates the
Townhall service account and runs ``samba`` as a child process listening on
loopback only.

Samba's LDAP ports (389, 636, 3268, 3269) are fixed. When another process holds
them, start the test session inside a private network namespace instead
(``unshare -n`` then ``ip link set lo up``).

Provisioning and loading take 10-20 s, so the loaded domain is cached (keyed on
the Samba version, the LDIF and the passwords) under ``TOWNHALL_TEST_CACHE``
(default ``~/.cache/townhall-tests``) and copied on later sessions.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any

import ldap3

from connectors.directory import LdapOptions

REALM = "AD.NORTHSHIRE.TEST"
DOMAIN = "NORTHSHIRE"
DNS_DOMAIN = "ad.northshire.test"
BASE_DN = "DC=ad,DC=northshire,DC=test"
HOST_NAME = "dc1"
#: The name on the certificate Samba generates at first start (in its subject
#: CN; it has no subjectAltName). Connect to 127.0.0.1 and accept this name,
#: e.g. ldap3 ``Tls(valid_names=[TLS_HOSTNAME])``.
TLS_HOSTNAME = f"{HOST_NAME.upper()}.{DNS_DOMAIN}"
ADMIN_PASSWORD = "Northshire-Adm1n-2025"
SERVICE_ACCOUNT = "svc-townhall"
SERVICE_PASSWORD = "Townhall-Svc-2025!"
SERVICE_OU = "OU=Service Accounts,OU=Northshire"
LDAP_PORTS = (389, 636, 3268, 3269)

INSTALL_SCRIPT = Path(__file__).with_name("install-packages.sh")
# Bump when the way the cached domain is built changes.
_CACHE_FORMAT = "2"
_CACHE_PLACEHOLDER = "@SAMBA_DIR@"


class SambaError(RuntimeError):
    """Samba could not be installed, provisioned, loaded or started."""


def ensure_samba_installed() -> None:
    """Fail with a clear message when the Samba AD DC packages are missing."""
    missing = [tool for tool in ("samba", "samba-tool", "ldbadd", "ldbsearch") if not _which(tool)]
    if not Path("/usr/share/samba/setup/ad-schema").is_dir():
        missing.append("samba-ad-provision (/usr/share/samba/setup/ad-schema)")
    if missing:
        raise SambaError(
            f"Samba AD DC is not installed (missing: {', '.join(missing)}). "
            f"Run `sudo {INSTALL_SCRIPT}` (or `make test`, which runs it)."
        )


def samba_version() -> str:
    """The installed Samba version, e.g. ``4.17.12-Debian``."""
    out = subprocess.run(
        [_which("samba") or "samba", "--version"], capture_output=True, text=True, check=True
    )
    return out.stdout.strip().removeprefix("Version ").strip()


class SambaDC:
    """One Samba AD DC in ``workdir``, loaded from ``ldif``.

    Call :meth:`start` (provisions and loads on first use) and :meth:`stop`.
    Durations of each step are kept in :attr:`timings` (seconds).
    """

    ldap_url = "ldap://127.0.0.1:389"
    ldaps_url = "ldaps://127.0.0.1:636"
    base_dn = BASE_DN
    realm = REALM
    domain = DOMAIN
    tls_hostname = TLS_HOSTNAME

    def __init__(
        self,
        workdir: Path,
        ldif: Path | None,
        *,
        allow_plain_bind: bool = False,
        cache_dir: Path | None = None,
        use_cache: bool = True,
    ) -> None:
        """Prepare (but do not create) a domain controller.

        ``allow_plain_bind`` adds ``ldap server require strong auth = no`` so
        simple binds work on plain 389; by default Samba refuses them
        (``strongerAuthRequired``) and clients must use LDAPS or StartTLS.
        """
        self.workdir = workdir
        self.ldif = ldif
        self.allow_plain_bind = allow_plain_bind
        self.cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        self.use_cache = use_cache and os.environ.get("TOWNHALL_TEST_CACHE") != "off"
        self.admin_password = ADMIN_PASSWORD
        self.password = SERVICE_PASSWORD
        self.bind_user = f"{SERVICE_ACCOUNT}@{DNS_DOMAIN}"
        self.bind_dn = f"CN={SERVICE_ACCOUNT},{SERVICE_OU},{BASE_DN}"
        self.admin_dn = f"CN=Administrator,CN=Users,{BASE_DN}"
        self.admin_user = f"Administrator@{DNS_DOMAIN}"
        self.timings: dict[str, float] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: Path = workdir / "log" / "samba.out"

    # -- paths ----------------------------------------------------------------

    @property
    def smb_conf(self) -> Path:
        return self.workdir / "etc" / "smb.conf"

    @property
    def sam_ldb(self) -> Path:
        return self.workdir / "private" / "sam.ldb"

    @property
    def ca_file(self) -> Path:
        """The CA certificate that signed the LDAPS certificate (exists after start)."""
        return self.workdir / "private" / "tls" / "ca.pem"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # -- building the domain ------------------------------------------------

    def prepare(self) -> None:
        """Provision, load the LDIF and add the service account (or copy a cached copy)."""
        if self.smb_conf.exists():
            return
        ensure_samba_installed()
        key = self._cache_key()
        cached = self.cache_dir / f"samba-{key}"
        if self.use_cache and (cached / "etc" / "smb.conf").exists():
            started = time.monotonic()
            self._copy_tree(cached, self.workdir, _CACHE_PLACEHOLDER, str(self.workdir))
            self.timings["cache_copy"] = time.monotonic() - started
        else:
            self._provision()
            if self.ldif is not None:
                self.load_ldif(self.ldif)
            self._add_service_account()
            if self.use_cache:
                self._store_cache(cached)
        self.bind_dn = (self.workdir / "bind-dn.txt").read_text()
        self._configure()

    def _provision(self) -> None:
        if self.workdir.exists() and any(self.workdir.iterdir()):
            raise SambaError(f"{self.workdir} is not empty")
        d = self.workdir
        (d / "log").mkdir(parents=True, exist_ok=True)
        (d / "run").mkdir(parents=True, exist_ok=True)
        options = {
            "interfaces": "lo",
            "bind interfaces only": "yes",
            "server services": "ldap",
            "log file": f"{d}/log/log.%m",
            "pid directory": f"{d}/run",
            "ncalrpc dir": f"{d}/run/ncalrpc",
            "winbindd socket directory": f"{d}/run/winbindd",
            "ntp signd socket directory": f"{d}/run/ntp_signd",
            "prefork children": "2",
        }
        started = time.monotonic()
        self._run(
            "samba-tool", "domain", "provision", f"--targetdir={d}", f"--realm={REALM}",
            f"--domain={DOMAIN}", "--server-role=dc", "--dns-backend=NONE",
            f"--adminpass={self.admin_password}", f"--host-name={HOST_NAME}",
            *(f"--option={name}={value}" for name, value in options.items()),
        )  # fmt: skip
        self.timings["provision"] = time.monotonic() - started

    def load_ldif(self, ldif: Path) -> None:
        """Add the entries of ``ldif`` offline, keeping their ``objectGUID`` values.

        Samba refuses a client-supplied ``objectGUID`` ("it's not allowed to
        add an object with objectGUID") unless the request carries the LDB
        relax control, which ``ldbadd --relax`` sends. Managers must come
        before their reports and groups after their members.
        """
        started = time.monotonic()
        out = self._run(
            "ldbadd", "-H", str(self.sam_ldb), "--nosync", "--relax",
            f"--configfile={self.smb_conf}", str(ldif),
        )  # fmt: skip
        if "records successfully" not in out:
            raise SambaError(f"ldbadd did not report success loading {ldif}:\n{out[-2000:]}")
        self.timings["load_ldif"] = time.monotonic() - started

    def _add_service_account(self) -> None:
        """Create the account Townhall binds with (or reset it if the LDIF has one)."""
        conf = f"--configfile={self.smb_conf}"
        db = ("-H", str(self.sam_ldb), conf)
        found = self._run("ldbsearch", *db, f"(sAMAccountName={SERVICE_ACCOUNT})", "dn")
        dns = [
            line.removeprefix("dn: ")
            for line in found.replace("\n ", "").splitlines()
            if line.startswith("dn: ")
        ]
        if dns:
            self.bind_dn = dns[0]
            self._run(
                "samba-tool", "user", "setpassword", SERVICE_ACCOUNT,
                f"--newpassword={self.password}", *db,
            )  # fmt: skip
            self._run("samba-tool", "user", "enable", SERVICE_ACCOUNT, *db)
        else:
            self._run(
                "samba-tool", "user", "add", SERVICE_ACCOUNT, self.password,
                f"--userou={SERVICE_OU}", "--description=Townhall gateway service account", *db,
            )  # fmt: skip
        self._run("samba-tool", "user", "setexpiry", SERVICE_ACCOUNT, "--noexpiry", *db)
        (self.workdir / "bind-dn.txt").write_text(self.bind_dn)

    def _configure(self) -> None:
        """Apply the per-session smb.conf options (after provision or cache copy)."""
        text = self.smb_conf.read_text()
        line = "\tldap server require strong auth = no\n"
        if self.allow_plain_bind and line not in text:
            text = text.replace("[global]\n", "[global]\n" + line, 1)
        elif not self.allow_plain_bind:
            text = text.replace(line, "")
        self.smb_conf.write_text(text)

    def _cache_key(self) -> str:
        digest = hashlib.sha256()
        for part in (_CACHE_FORMAT, samba_version(), self.admin_password, self.password):
            digest.update(part.encode() + b"\0")
        if self.ldif is not None:
            digest.update(self.ldif.read_bytes())
        return digest.hexdigest()[:16]

    def _store_cache(self, cached: Path) -> None:
        partial = self.cache_dir / f".{cached.name}.{os.getpid()}"
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(partial, ignore_errors=True)
            self._copy_tree(self.workdir, partial, str(self.workdir), _CACHE_PLACEHOLDER)
            os.rename(partial, cached)
            self._prune_cache(keep=cached)
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)  # another session won the race

    def _prune_cache(self, keep: Path, newest: int = 2) -> None:
        """Drop all but the ``newest`` cached domains (the fixture data changes)."""
        cached = sorted(
            (p for p in self.cache_dir.glob("samba-*") if p != keep),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in cached[newest - 1 :]:
            shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def _copy_tree(src: Path, dst: Path, old_path: str, new_path: str) -> None:
        """Copy a provisioned domain, rewriting the absolute paths in smb.conf."""
        shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
        conf = dst / "etc" / "smb.conf"
        conf.write_text(conf.read_text().replace(old_path, new_path))
        for stale in ("run", "log"):
            shutil.rmtree(dst / stale, ignore_errors=True)
            (dst / stale).mkdir()

    # -- running ------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> None:
        """Start Samba and wait until LDAPS answers a bind as the service account."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self.prepare()
        busy = [port for port in LDAP_PORTS if _port_open(port)]
        if busy:
            raise SambaError(
                f"port(s) {busy} on 127.0.0.1 are already in use; Samba's LDAP ports are "
                "fixed. Stop the other LDAP server, or run the tests in a private network "
                "namespace: `unshare -n sh -c 'ip link set lo up && make test'`."
            )
        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with self._log_file.open("ab") as log:
            self._proc = subprocess.Popen(
                [
                    _which("samba") or "samba", "-s", str(self.smb_conf), "-F",
                    "--no-process-group", "--debug-stdout", "-d1",
                ],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with_parent,
            )  # fmt: skip
        self._wait_ready(timeout)
        self.timings.setdefault("first_start", time.monotonic() - started)
        self.timings["start"] = time.monotonic() - started

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        error: Exception | None = None
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise SambaError(
                    f"samba exited with code {self._proc.returncode}:\n{self.log_tail()}"
                )
            if self.ca_file.exists() and _port_open(636):
                try:
                    self._try_bind()
                    return
                except Exception as exc:  # not ready yet
                    error = exc
            time.sleep(0.1)
        self.stop()
        raise SambaError(
            f"Samba did not answer an LDAPS bind within {timeout:.0f}s "
            f"(last error: {error!r}):\n{self.log_tail()}"
        )

    def _try_bind(self) -> None:
        import ldap3

        tls = ldap3.Tls(
            validate=ssl.CERT_REQUIRED, ca_certs_file=str(self.ca_file),
            valid_names=[self.tls_hostname],
        )  # fmt: skip
        server = ldap3.Server(self.ldaps_url, use_ssl=True, tls=tls, get_info=ldap3.NONE)
        conn = ldap3.Connection(
            server, user=self.bind_user, password=self.password, receive_timeout=5
        )
        try:
            if not conn.bind():
                raise SambaError(f"bind refused: {conn.result}")
        finally:
            conn.unbind()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop Samba (SIGTERM, then SIGKILL to its process group after ``timeout``)."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        # Samba's workers exit with the root process; wait for the ports to free.
        deadline = time.monotonic() + timeout
        while any(_port_open(port) for port in (389, 636)) and time.monotonic() < deadline:
            time.sleep(0.05)

    def restart(self, timeout: float = 30.0) -> None:
        """Stop and start again on the same data (for "server restarted" tests)."""
        self.stop()
        self.start(timeout)

    def grant_replication_right(self, trustee_dn: str) -> None:
        """Allow ``trustee_dn`` "Replicating Directory Changes" on the domain, as an
        administrator grants a production service account for DirSync."""
        self._run(
            "samba-tool", "dsacl", "set", "-H", str(self.sam_ldb),
            f"--configfile={self.smb_conf}", "--car=get-changes", "--action=allow",
            f"--objectdn={self.base_dn}", f"--trusteedn={trustee_dn}",
        )  # fmt: skip

    def ldaps_connection(self, user: str, password: str, **options: Any) -> ldap3.Connection:
        """A bound ldap3 connection over LDAPS, the DC's certificate verified."""
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(self.ca_file),
                        valid_names=[self.tls_hostname])  # fmt: skip
        server = ldap3.Server(self.ldaps_url, use_ssl=True, tls=tls, get_info=ldap3.NONE)
        return ldap3.Connection(server, user, password, auto_bind=True, **options)

    def admin_connection(self) -> ldap3.Connection:
        """As the domain administrator, for tests that change the directory (the gateway
        itself only ever reads, as its service account)."""
        return self.ldaps_connection(self.admin_user, self.admin_password)

    def ldap_options(self, **overrides: Any) -> LdapOptions:
        """Connector options for this DC: LDAPS, its CA and certificate name, the service
        account; ``overrides`` change any of them."""
        values: dict[str, Any] = {
            "url": self.ldaps_url,
            "bind_dn": self.bind_user,
            "password": self.password,
            "base_dn": self.base_dn,
            "ca_file": self.ca_file,
            "tls_server_name": self.tls_hostname,
            "pool_size": 2,
            "connect_timeout": 3,
            "operation_timeout": 10,
        }
        return LdapOptions(**{**values, **overrides})

    def directory_settings(self, **overrides: Any) -> dict[str, Any]:
        """The gateway's ``directory`` settings for this DC."""
        values: dict[str, Any] = {
            "mode": "ldap",
            "url": self.ldaps_url,
            "ca_file": self.ca_file,
            "tls_server_name": self.tls_hostname,
            "bind_dn": self.bind_user,
            "bind_password": self.password,
            "base_dn": self.base_dn,
        }
        return {**values, **overrides}

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self._log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _run(self, *argv: str) -> str:
        try:
            out = subprocess.run(
                argv, capture_output=True, text=True, timeout=300, cwd=self.workdir.parent
            )
        except FileNotFoundError as exc:
            raise SambaError(f"{argv[0]} not found; run {INSTALL_SCRIPT}") from exc
        text = out.stdout + out.stderr
        if out.returncode != 0:
            raise SambaError(f"{' '.join(argv[:3])} failed ({out.returncode}):\n{text[-3000:]}")
        return text

    def __enter__(self) -> SambaDC:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def default_cache_dir() -> Path:
    """Where loaded domains are cached between sessions."""
    base = os.environ.get("TOWNHALL_TEST_CACHE")
    if base and base != "off":
        return Path(base)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "townhall-tests"


def _which(tool: str) -> str | None:
    found = shutil.which(tool)
    if found is None:
        for folder in ("/usr/sbin", "/usr/bin", "/sbin"):
            if os.access(f"{folder}/{tool}", os.X_OK):
                return f"{folder}/{tool}"
    return found


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the test session dies, so no
    stray Samba keeps the fixed LDAP ports."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0
