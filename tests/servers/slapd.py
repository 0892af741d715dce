"""A throwaway OpenLDAP ``slapd`` for the test session, holding the council directory.

The council LDIF is Active Directory's; :func:`openldap_ldif` converts it at
test time to what an OpenLDAP-run council would hold: ``inetOrgPerson`` people
(``uid``, ``employeeNumber``, ``departmentNumber``, ``jpegPhoto``), expiry and
disabling as ``shadowExpire`` (days since 1970; 1 means disabled, as
``usermod --expiredate 1`` sets it), ``groupOfNames`` groups. Each entry keeps
its GUID as ``entryUUID``, which ``slapadd`` (offline) accepts, so the same
tests find the same people on Samba and on slapd.

slapd runs unprivileged on a free high loopback port with plain LDAP (the
connector is told to allow it); ``sizelimit 5000`` so a non-root bind can list
everyone (the default is 500).
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.directory import LdapOptions

from . import LdifEntry, parse_ldif
from .certificates import write_test_certificates
from .samba import _die_with_parent

BASE_DN = "DC=ad,DC=northshire,DC=test"
SERVICE_DN = f"cn=townhall,OU=Service Accounts,OU=Northshire,{BASE_DN}"
SERVICE_PASSWORD = "townhall-slapd-password"
ADMIN_DN = f"cn=admin,{BASE_DN}"
ADMIN_PASSWORD = "northshire-slapd-admin"
SCHEMAS = ("core", "cosine", "nis", "inetorgperson")
TLS_HOSTNAME = "ldap.northshire.test"  # on slapd's certificate; the tests connect to 127.0.0.1
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NEVER = (0, 0x7FFFFFFFFFFFFFFF)
#: AD attribute -> OpenLDAP attribute, for the values that carry over as they are.
_PERSON_ATTRIBUTES = {
    "cn": "cn",
    "sn": "sn",
    "givenname": "givenName",
    "displayname": "displayName",
    "mail": "mail",
    "title": "title",
    "department": "departmentNumber",
    "physicaldeliveryofficename": "physicalDeliveryOfficeName",
    "l": "l",
    "telephonenumber": "telephoneNumber",
    "mobile": "mobile",
    "employeeid": "employeeNumber",
    "employeetype": "employeeType",
    "samaccountname": "uid",
    "manager": "manager",
    "thumbnailphoto": "jpegPhoto",
}


class SlapdError(RuntimeError):
    """slapd could not be configured, loaded or started."""


def openldap_ldif(entries: list[LdifEntry]) -> bytes:
    """The council directory as an OpenLDAP directory would hold it."""
    out = [
        _record(
            BASE_DN,
            {
                "objectClass": [b"top", b"dcObject", b"organization"],
                "dc": [b"ad"],
                "o": [b"Northshire Council"],
            },
        )
    ]
    for entry in entries:
        classes = {c.lower() for c in entry.attrs.get("objectclass", [])}
        attrs: dict[str, list[bytes]] = {}
        if b"user" in classes:
            attrs["objectClass"] = [
                b"top", b"person", b"organizationalPerson", b"inetOrgPerson", b"shadowAccount"
            ]  # fmt: skip
            for ad_name, name in _PERSON_ATTRIBUTES.items():
                if entry.attrs.get(ad_name):
                    attrs[name] = entry.attrs[ad_name]
            cn = entry.first("cn")
            attrs.setdefault("sn", [cn.encode() if cn else b"?"])
            expire = _shadow_expire(entry)
            if expire is not None:
                attrs["shadowExpire"] = [str(expire).encode()]
        elif b"group" in classes:
            attrs["objectClass"] = [b"top", b"groupOfNames"]
            attrs["cn"] = entry.attrs["cn"]
            if entry.attrs.get("description"):
                attrs["description"] = entry.attrs["description"]
            # groupOfNames needs a member; an empty group holds only itself.
            attrs["member"] = entry.attrs.get("member") or [entry.dn.encode()]
        elif b"organizationalunit" in classes:
            attrs = {"objectClass": [b"top", b"organizationalUnit"], "ou": entry.attrs["ou"]}
        else:
            continue
        guid = entry.attrs.get("objectguid")
        if guid:
            attrs["entryUUID"] = [str(uuid.UUID(bytes_le=guid[0])).encode()]
        out.append(_record(entry.dn, attrs))
    out.append(
        _record(
            SERVICE_DN,
            {
                "objectClass": [b"top", b"organizationalRole", b"simpleSecurityObject"],
                "cn": [b"townhall"],
                "userPassword": [SERVICE_PASSWORD.encode()],
            },
        )
    )
    return b"\n".join(out)


def _shadow_expire(entry: LdifEntry) -> int | None:
    control = int(entry.first("userAccountControl") or 0)
    if control & 0x2:
        return 1  # disabled
    ticks = int(entry.first("accountExpires") or 0)
    if ticks in _NEVER:
        return None
    seconds = ticks / 10_000_000 - (_UNIX_EPOCH - _FILETIME_EPOCH).total_seconds()
    return max(1, int(seconds // 86_400))


def _record(dn: str, attrs: dict[str, list[bytes]]) -> bytes:
    lines = [_line("dn", dn.encode())]
    for name, values in attrs.items():
        lines.extend(_line(name, value) for value in values)
    return b"\n".join(lines) + b"\n"


def _line(name: str, value: bytes) -> bytes:
    safe = value and all(32 <= b < 127 for b in value) and value[:1] not in (b" ", b":", b"<")
    if safe and not value.endswith(b" "):
        return name.encode() + b": " + value
    return name.encode() + b":: " + base64.b64encode(value)


class Slapd:
    """One slapd in ``workdir`` serving the council directory on a free port."""

    base_dn = BASE_DN
    bind_dn = SERVICE_DN
    password = SERVICE_PASSWORD
    admin_dn = ADMIN_DN
    admin_password = ADMIN_PASSWORD

    tls_hostname = TLS_HOSTNAME

    def __init__(self, workdir: Path, ldif: Path) -> None:
        self.workdir = workdir
        self.ldif = ldif
        self.port = _free_port()
        self.tls_port = _free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"  # plain, or StartTLS
        self.ldaps_url = f"ldaps://127.0.0.1:{self.tls_port}"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def ca_file(self) -> Path:
        return self.workdir / "tls" / "ca.pem"

    def ldap_options(self, **overrides: Any) -> LdapOptions:
        """Connector options for this slapd: LDAPS, its CA and certificate name, the
        service account, the OpenLDAP attribute map; ``overrides`` change any of them."""
        values: dict[str, Any] = {
            "url": self.ldaps_url,
            "bind_dn": self.bind_dn,
            "password": self.password,
            "base_dn": self.base_dn,
            "ca_file": self.ca_file,
            "tls_server_name": self.tls_hostname,
            "schema": "openldap",
            "pool_size": 2,
            "connect_timeout": 3,
            "operation_timeout": 10,
        }
        return LdapOptions(**{**values, **overrides})

    @property
    def conf(self) -> Path:
        return self.workdir / "slapd.conf"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def prepare(self) -> None:
        """Write slapd.conf and load the converted directory offline with slapadd."""
        if self.conf.exists():
            return
        slapd, slapadd = _tool("slapd"), _tool("slapadd")
        if slapd is None or slapadd is None:
            raise SlapdError("OpenLDAP slapd is not installed (tests/servers/install-packages.sh)")
        data = self.workdir / "data"
        data.mkdir(parents=True)
        tls = write_test_certificates(self.workdir / "tls", TLS_HOSTNAME)
        schema = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
        self.conf.write_text(
            f"""{schema}
pidfile {self.workdir}/slapd.pid
TLSCACertificateFile {tls.ca}
TLSCertificateFile {tls.certificate}
TLSCertificateKeyFile {tls.key}
argsfile {self.workdir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
sizelimit 5000
database mdb
maxsize 268435456
suffix "{BASE_DN}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {data}
index objectClass,entryUUID,uid,mail,employeeNumber,manager,member eq
index cn,displayName,title,departmentNumber,physicalDeliveryOfficeName eq,sub
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="{SERVICE_DN}" read by * none
"""
        )
        converted = self.workdir / "council-openldap.ldif"
        converted.write_bytes(openldap_ldif(list(parse_ldif(self.ldif))))
        out = subprocess.run(
            [slapadd, "-f", str(self.conf), "-l", str(converted), "-q"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if out.returncode != 0:
            raise SlapdError(f"slapadd failed ({out.returncode}):\n{out.stderr[-3000:]}")

    def start(self, timeout: float = 20.0) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        self.prepare()
        log = (self.workdir / "slapd.out").open("ab")
        with log:
            self._proc = subprocess.Popen(
                [_tool("slapd") or "slapd", "-h", f"{self.url}/ {self.ldaps_url}/",
                 "-f", str(self.conf), "-d", "0"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with_parent,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise SlapdError(f"slapd exited ({self._proc.returncode}): {self.log_tail()}")
            if _port_open(self.port) and _port_open(self.tls_port):
                return
            time.sleep(0.02)
        self.stop()
        raise SlapdError(f"slapd did not listen within {timeout:.0f}s: {self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = (self.workdir / "slapd.out").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (f"{d}/{name}" for d in ("/usr/sbin", "/usr/bin") if os.access(f"{d}/{name}", os.X_OK)),
        None,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0
