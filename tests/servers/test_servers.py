"""The real upstream servers behave as the session fixtures claim."""

from __future__ import annotations

import re
import ssl
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote

import httpx
import ldap3
import pytest
from ldap3.core.exceptions import LDAPSocketOpenError
from ldap3.utils.dn import parse_dn

from townhall_demo.upstreams import ScimServer, WebDavServer

from . import (
    SCIM_TOKEN,
    WEBDAV_PASSWORD,
    WEBDAV_READER,
    WEBDAV_READER_PASSWORD,
    WEBDAV_USER,
    Council,
    LdifEntry,
)
from .samba import BASE_DN, SambaDC

COUNCIL_EXT = "urn:townhall:scim:schemas:extension:council:2.0:Employee"
ENTERPRISE_EXT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# -- Samba AD DC -----------------------------------------------------------------


def ldaps(dc: SambaDC, *, valid_names: list[str] | None = None) -> ldap3.Server:
    tls = ldap3.Tls(
        validate=ssl.CERT_REQUIRED,
        ca_certs_file=str(dc.ca_file),
        valid_names=[dc.tls_hostname] if valid_names is None else valid_names,
    )
    return ldap3.Server(dc.ldaps_url, use_ssl=True, tls=tls, get_info=ldap3.NONE)


@pytest.fixture
def ad(samba: SambaDC) -> Iterator[ldap3.Connection]:
    conn = ldap3.Connection(
        ldaps(samba), user=samba.bind_user, password=samba.password, auto_bind=True
    )
    yield conn
    conn.unbind()


def norm_dn(dn: str) -> tuple[tuple[str, str], ...]:
    """A DN as comparable (attribute, value) pairs: Samba hex-escapes some characters."""

    def unescape(value: str) -> str:
        value = re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), value)
        return re.sub(r"\\(.)", r"\1", value).lower()

    return tuple((attr.lower(), unescape(value)) for attr, value, _ in parse_dn(dn))


def find_user(conn: ldap3.Connection, sam: str | None, *attributes: str) -> dict[str, Any]:
    """The one directory entry with this sAMAccountName (referrals left out)."""
    conn.search(BASE_DN, f"(sAMAccountName={sam})", attributes=list(attributes))
    entries = [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
    assert len(entries) == 1, (sam, conn.result)
    entry: dict[str, Any] = entries[0]
    return entry


def sample(entries: list[LdifEntry], count: int = 8) -> list[LdifEntry]:
    """A spread of entries: first, last and evenly between."""
    if len(entries) <= count:
        return entries
    step = (len(entries) - 1) / (count - 1)
    return [entries[round(i * step)] for i in range(count)]


@pytest.mark.samba
def test_ldaps_bind_verifies_the_samba_certificate(samba: SambaDC) -> None:
    conn = ldap3.Connection(ldaps(samba), user=samba.bind_user, password=samba.password)
    assert conn.bind(), conn.result
    assert norm_dn(find_user(conn, "svc-townhall")["dn"]) == norm_dn(samba.bind_dn)
    conn.unbind()
    # The certificate is checked: a name it does not carry is refused.
    wrong_name = ldap3.Connection(
        ldaps(samba, valid_names=["wrong.example.test"]),
        user=samba.bind_user,
        password=samba.password,
    )
    with pytest.raises(LDAPSocketOpenError):
        wrong_name.open()


@pytest.mark.samba
def test_bind_dn_and_wrong_password(samba: SambaDC) -> None:
    by_dn = ldap3.Connection(ldaps(samba), user=samba.bind_dn, password=samba.password)
    assert by_dn.bind(), by_dn.result
    by_dn.unbind()
    wrong = ldap3.Connection(ldaps(samba), user=samba.bind_user, password="not-the-password")
    assert not wrong.bind()
    assert "data 52e" in wrong.result["message"]  # AD's "wrong password" sub-code


@pytest.mark.samba
def test_plain_389_needs_starttls(samba: SambaDC) -> None:
    server = ldap3.Server(samba.ldap_url, tls=ldaps(samba).tls, get_info=ldap3.NONE)
    plain = ldap3.Connection(server, user=samba.bind_user, password=samba.password)
    assert not plain.bind()
    assert plain.result["description"] == "strongerAuthRequired"
    tls = ldap3.Connection(server, user=samba.bind_user, password=samba.password)
    tls.open()
    assert tls.start_tls()
    assert tls.bind(), tls.result
    tls.unbind()


@pytest.mark.samba
def test_objectguids_are_the_fixture_guids(ad: ldap3.Connection, council: Council) -> None:
    people = {p["sAMAccountName"]: p for p in council.people}
    for entry in sample(list(council.users.values())):
        sam = entry.first("sAMAccountName")
        found = find_user(ad, sam, "objectGUID")
        raw = found["raw_attributes"]["objectGUID"][0]
        assert raw == entry.attrs["objectguid"][0], sam
        if sam in people:  # AD's text form of a GUID reads the bytes little-endian
            assert str(uuid.UUID(bytes_le=raw)) == people[sam]["guid"].strip("{}").lower()


@pytest.mark.samba
def test_every_fixture_user_was_loaded(ad: ldap3.Connection, council: Council) -> None:
    found = ad.extend.standard.paged_search(
        BASE_DN,
        "(&(objectCategory=person)(objectClass=user))",
        attributes=["sAMAccountName"],
        paged_size=500,
        generator=True,
    )
    names = {
        e["raw_attributes"]["sAMAccountName"][0].decode()
        for e in found
        if e.get("type") == "searchResEntry"
    }
    assert set(council.users) <= names


@pytest.mark.samba
def test_direct_reports_and_member_of_are_computed(ad: ldap3.Connection, council: Council) -> None:
    reports: dict[tuple[tuple[str, str], ...], set[tuple[tuple[str, str], ...]]] = {}
    for entry in council.users.values():
        manager = entry.first("manager")
        if manager:
            reports.setdefault(norm_dn(manager), set()).add(norm_dn(entry.dn))
    assert reports, "the fixture has no manager links"
    by_dn = {norm_dn(e.dn): e for e in council.users.values()}
    managers = sorted(reports, key=lambda dn: len(reports[dn]), reverse=True)[:3]
    for manager in managers:
        sam = by_dn[manager].first("sAMAccountName")
        found = find_user(ad, sam, "directReports")
        assert {norm_dn(d) for d in found["attributes"]["directReports"]} == reports[manager]

    members = [
        (group, norm_dn(m.decode()))
        for group in council.groups.values()
        for m in group.attrs.get("member", [])
        if norm_dn(m.decode()) in by_dn
    ]
    assert members, "the fixture has no group with user members"
    for group, member in members[:: max(1, len(members) // 5)]:
        sam = by_dn[member].first("sAMAccountName")
        found = find_user(ad, sam, "memberOf")
        assert norm_dn(group.dn) in {norm_dn(g) for g in found["attributes"]["memberOf"]}


@pytest.mark.samba
def test_samba_restart_keeps_the_data(samba: SambaDC, council: Council) -> None:
    samba.restart()
    conn = ldap3.Connection(
        ldaps(samba), user=samba.bind_user, password=samba.password, auto_bind=True
    )
    sam = next(iter(council.users))
    assert find_user(conn, sam, "cn")["attributes"]["cn"]
    conn.unbind()


# -- SCIM ------------------------------------------------------------------------


def scim_client(server: ScimServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, headers=server.headers)


def same_value(expected: Any, actual: Any) -> bool:
    """SCIM values compare equal, allowing decimal/int and dateTime spellings."""
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return float(expected) == float(actual)
    if isinstance(expected, str) and re.match(r"\d{4}-\d\d-\d\dT", expected):
        parse = datetime.fromisoformat
        return bool(parse(expected.replace("Z", "+00:00")) == parse(actual.replace("Z", "+00:00")))
    return bool(expected == actual)


async def test_scim_holds_every_hr_user(scim_server: ScimServer, council: Council) -> None:
    async with scim_client(scim_server) as client:
        body = (await client.get("/Users", params={"count": 0})).raise_for_status().json()
    assert body["totalResults"] == len(council.hr_users)


async def test_scim_filter_returns_the_council_extension(
    scim_server: ScimServer, council: Council
) -> None:
    users = [u for u in council.hr_users if COUNCIL_EXT in u]
    assert users, "no HR user carries the council extension"
    async with scim_client(scim_server) as client:
        for user in users[:: max(1, len(users) // 5)]:
            response = await client.get(
                "/Users", params={"filter": f'userName eq "{user["userName"]}"'}
            )
            (found,) = response.raise_for_status().json()["Resources"]
            for name, value in user[COUNCIL_EXT].items():
                assert same_value(value, found[COUNCIL_EXT][name]), (user["userName"], name)
            number = user[ENTERPRISE_EXT]["employeeNumber"]
            assert found[ENTERPRISE_EXT]["employeeNumber"] == number
            if "manager" in user[ENTERPRISE_EXT]:
                assert found[ENTERPRISE_EXT]["manager"] == user[ENTERPRISE_EXT]["manager"]
            by_number = await client.get(
                "/Users", params={"filter": f'{ENTERPRISE_EXT}:employeeNumber eq "{number}"'}
            )
            assert [r["userName"] for r in by_number.json()["Resources"]] == [user["userName"]]


async def test_scim_extension_filter_on_decimal(scim_server: ScimServer, council: Council) -> None:
    part_time = {
        u["userName"] for u in council.hr_users if float(u.get(COUNCIL_EXT, {}).get("fte", 1)) < 1
    }
    async with scim_client(scim_server) as client:
        response = await client.get(
            "/Users",
            params={"filter": f"{COUNCIL_EXT}:fte lt 1", "count": 1000, "attributes": "userName"},
        )
    body = response.raise_for_status().json()
    assert body["totalResults"] == len(part_time)
    assert {r["userName"] for r in body.get("Resources", [])} <= part_time


async def test_scim_needs_the_token(scim_server: ScimServer) -> None:
    async with httpx.AsyncClient(base_url=scim_server.url) as client:
        assert (await client.get("/Users")).status_code == 401
        bad = await client.get("/Users", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
    assert scim_server.token == SCIM_TOKEN


async def test_scim_restart_reseeds(scim_server: ScimServer, council: Council) -> None:
    old_pid = scim_server.pid
    await scim_server.restart()
    assert scim_server.pid not in (None, old_pid)
    async with scim_client(scim_server) as client:
        body = (await client.get("/Users", params={"count": 0})).json()
    assert body["totalResults"] == len(council.hr_users)


# -- WebDAV ----------------------------------------------------------------------

DAV = "{DAV:}"


ALLPROP = (
    b'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'
)


async def propfind(
    client: httpx.AsyncClient, path: str, depth: str = "1"
) -> dict[str, dict[str, Any]]:
    """PROPFIND ``path``: {unquoted path without leading slash: {property: value}}."""
    response = await client.request(
        "PROPFIND", "/" + quote(path.strip("/")) + ("/" if depth != "0" else ""),
        headers={"Depth": depth}, content=ALLPROP,
    )  # fmt: skip
    assert response.status_code == 207, response.text[:300]
    result: dict[str, dict[str, Any]] = {}
    for item in ET.fromstring(response.content).iter(f"{DAV}response"):
        href = unquote(item.findtext(f"{DAV}href") or "").strip("/")
        props: dict[str, Any] = {}
        for propstat in item.iter(f"{DAV}propstat"):
            if "200" not in (propstat.findtext(f"{DAV}status") or ""):
                continue
            for prop in propstat.iter(f"{DAV}prop"):
                for child in prop:
                    children = list(child)
                    props[child.tag] = [c.text for c in children] if children else child.text
        result[href] = props
    return result


def dav_client(server: WebDavServer, user: str | None = WEBDAV_USER) -> httpx.AsyncClient:
    passwords = {WEBDAV_USER: WEBDAV_PASSWORD, WEBDAV_READER: WEBDAV_READER_PASSWORD}
    auth = (user, passwords[user]) if user else None
    return httpx.AsyncClient(base_url=server.url, auth=auth)


async def test_webdav_propfind_returns_the_dead_properties(
    webdav_server: WebDavServer, council: Council
) -> None:
    namespace = council.documents["namespace"]
    docs = council.documents["documents"]
    folder = docs[len(docs) // 2]["path"].lstrip("/").rsplit("/", 1)[0]
    expected = {
        d["path"].lstrip("/"): d for d in docs if d["path"].lstrip("/").rsplit("/", 1)[0] == folder
    }
    async with dav_client(webdav_server) as client:
        listing = await propfind(client, folder)
    for path, doc in expected.items():
        props = listing[path]
        for name in ("title", "author", "lastEditor", "created", "modified"):
            assert props[f"{{{namespace}}}{name}"] == doc[name], (path, name)
        assert props[f"{{{namespace}}}tags"] == (doc["tags"] or None), path
        modified = datetime.fromisoformat(doc["modified"].replace("Z", "+00:00"))
        served = parsedate_to_datetime(props[f"{DAV}getlastmodified"])
        assert abs((served - modified).total_seconds()) < 1, path


async def test_webdav_needs_credentials(webdav_server: WebDavServer) -> None:
    async with dav_client(webdav_server, user=None) as client:
        response = await client.request("PROPFIND", "/", headers={"Depth": "1"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


async def test_webdav_reader_sees_only_its_folder(
    webdav_server: WebDavServer, council: Council
) -> None:
    (folder,) = webdav_server.users[WEBDAV_READER].paths or ()
    others = [p.name for p in council.documents_root.iterdir() if p.is_dir() and p.name != folder]
    async with dav_client(webdav_server, WEBDAV_READER) as client:
        listing = await propfind(client, folder)
        assert any(path.startswith(folder + "/") for path in listing)
        for other in others[:3]:
            response = await client.request(
                "PROPFIND", "/" + quote(other) + "/", headers={"Depth": "1"}
            )
            assert response.status_code == 401, other
        put = await client.put("/" + quote(f"{folder}/reader-was-here.txt"), content=b"x")
        assert put.status_code == 401


async def test_webdav_writes_go_to_the_working_copy(
    webdav_server: WebDavServer, council: Council
) -> None:
    async with dav_client(webdav_server) as client:
        response = await client.put("/scratch-note.txt", content=b"written in a test")
        assert response.status_code in (201, 204)
        assert (await client.get("/scratch-note.txt")).content == b"written in a test"
    assert (webdav_server.root / "scratch-note.txt").exists()
    assert not (council.documents_root / "scratch-note.txt").exists()


async def test_webdav_restart_keeps_properties_without_reseeding(
    webdav_server: WebDavServer, council: Council
) -> None:
    doc = council.documents["documents"][0]
    path = doc["path"].lstrip("/")
    namespace = council.documents["namespace"]
    marker = webdav_server.seed_marker.stat().st_mtime_ns
    await webdav_server.restart()
    assert webdav_server.seed_marker.stat().st_mtime_ns == marker
    async with dav_client(webdav_server) as client:
        props = (await propfind(client, path, depth="0"))[path]
    assert props[f"{{{namespace}}}author"] == doc["author"]
