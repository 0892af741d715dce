"""The directory connector's behaviour, the same tests against Samba AD (LDAPS, certificate
verified) and OpenLDAP slapd (the OpenLDAP attribute map).

Changes the tests need (a manager loop, an expired account) are made over LDAP
with the server's admin account, in a throwaway OU removed afterwards.
AD-only behaviour is in test_directory_ad.py; connection handling in
test_directory_connections.py.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import ldap3
import pytest
from servers import Council
from servers.samba import SambaDC
from servers.scratch import scratch_ou
from servers.slapd import Slapd

from connectors.directory import (
    AttributeMap,
    DirectoryConnector,
    DirectoryFeatures,
    DirectoryRejected,
    DirectoryUnavailable,
    LdapOptions,
    LookupField,
    normalise_dn,
    open_embedded,
    open_ldap,
)
from connectors.directory.entries import under
from connectors.directory.photos import photo_holders

STAFF_OU = "OU=Staff,OU=Northshire"


@dataclass
class Target:
    """One directory server the behaviour tests run against."""

    name: str
    options: LdapOptions
    admin: Callable[[], ldap3.Connection]
    restart: Callable[[], None]
    plain_url: str = ""  # ldap:// on the same server, for StartTLS
    opened: list[DirectoryConnector] = field(default_factory=list)

    def open(self, **overrides: Any) -> DirectoryConnector:
        values = {f: getattr(self.options, f) for f in self.options.__dataclass_fields__}
        values.update(overrides)
        connector = open_ldap(LdapOptions(**values))
        self.opened.append(connector)
        return connector

    @property
    def ad(self) -> bool:
        return self.name == "samba"

    def add_person(self, conn: ldap3.Connection, dn: str, account: str, **extra: Any) -> None:
        name = dn.split(",", 1)[0].split("=", 1)[1]
        if self.ad:
            attrs = {"objectClass": ["top", "person", "organizationalPerson", "user"],
                     "sAMAccountName": account, "displayName": name, "userAccountControl": 512}  # fmt: skip
        else:
            attrs = {"objectClass": ["top", "person", "organizationalPerson", "inetOrgPerson",
                                     "shadowAccount"],
                     "uid": account, "sn": name, "displayName": name}  # fmt: skip
        attrs.update(extra)
        assert conn.add(dn, attributes=attrs), conn.result

    def expire(self, conn: ldap3.Connection, dn: str, when: datetime | None) -> None:
        """Set (or clear, with ``None``) the account's expiry over LDAP."""
        if self.ad:
            value = 0 if when is None else int((when - datetime(1601, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1)) * 10  # fmt: skip
            change = {"accountExpires": [(ldap3.MODIFY_REPLACE, [str(value)])]}
        elif when is None:
            change = {"shadowExpire": [(ldap3.MODIFY_DELETE, [])]}
        else:
            days = (when - datetime(1970, 1, 1, tzinfo=UTC)).days
            change = {"shadowExpire": [(ldap3.MODIFY_REPLACE, [str(days)])]}
        assert conn.modify(dn, change), conn.result


def samba_target(samba: SambaDC) -> Target:
    options = samba.ldap_options()

    return Target("samba", options, samba.admin_connection, samba.restart, plain_url=samba.ldap_url)


def slapd_target(slapd: Slapd) -> Target:
    def admin() -> ldap3.Connection:
        server = ldap3.Server(slapd.url, get_info=ldap3.NONE)
        return ldap3.Connection(server, slapd.admin_dn, slapd.admin_password, auto_bind=True)

    return Target("slapd", slapd.ldap_options(), admin, slapd.restart, plain_url=slapd.url)


@pytest.fixture(params=[pytest.param("samba", marks=pytest.mark.samba), "slapd"])
async def target(request: pytest.FixtureRequest) -> AsyncIterator[Target]:
    server = request.getfixturevalue(request.param)
    made = samba_target(server) if request.param == "samba" else slapd_target(server)
    yield made
    for connector in made.opened:
        await connector.close()


@pytest.fixture
async def directory(target: Target) -> DirectoryConnector:
    return target.open()


@pytest.fixture
def scratch(target: Target) -> Iterator[tuple[ldap3.Connection, str]]:
    """An admin connection and an empty OU under Staff, deleted (with its contents) after."""
    conn = target.admin()
    with scratch_ou(conn, f"{STAFF_OU},{target.options.base_dn}") as ou:
        yield conn, ou


def account(council: Council, name: str) -> dict[str, Any]:
    return next(p for p in council.people if p["sAMAccountName"] == name)


async def test_a_batch_of_guids_is_one_search_in_key_order(
    directory: DirectoryConnector, council: Council
) -> None:
    people = [p for p in council.people if p["hasAd"] and p["employeeID"]][:150]
    keys = [p["guid"] for p in people] + [str(uuid.uuid4()), "not-a-guid"]
    keys.reverse()
    before = directory.calls
    found = await directory.people_by("guid", keys)
    assert directory.calls - before == 2  # 150 keys in chunks of 100
    assert found[0] is None and found[1] is None
    assert [p.account_name if p else None for p in found[2:]] == [
        p["sAMAccountName"] for p in reversed(people)
    ]


@pytest.mark.parametrize("field", ["account_name", "upn", "employee_id", "mail"])
async def test_lookups_by_every_identifier(
    directory: DirectoryConnector, council: Council, field: LookupField
) -> None:
    priya = account(council, "priya.shah")
    key = {
        "account_name": priya["sAMAccountName"],
        "upn": priya["userPrincipalName"],
        "employee_id": priya["employeeID"],
        "mail": priya["userPrincipalName"],
    }[field]
    [found, missing] = await directory.people_by(field, [key.upper(), "nobody"])
    assert found is not None and found.guid == priya["guid"]
    assert found.department == priya["department"] and found.title == priya["title"]
    assert missing is None
    [by_dn] = await directory.people_by("dn", [found.dn.upper()])
    assert by_dn == found


HOSTILE = [
    "*",
    "*)(objectClass=*",
    ")(|(cn=*",
    "priya.shah)(sAMAccountName=*",
    "priya.shah)(uid=*",
    "\\00",
    "\x00",
    "pri*",
    "\\2a",
    "Ω≈ç√∫" * 50,
    "a" * 5000,
    "CN=*,OU=Planning,OU=Staff,OU=Northshire,DC=ad,DC=northshire,DC=test",
    "CN=Priya Shah,OU=Planning)(cn=*",
]


@pytest.mark.parametrize("hostile", HOSTILE)
async def test_injection_strings_match_nothing(directory: DirectoryConnector, hostile: str) -> None:
    fields: list[LookupField] = ["account_name", "upn", "employee_id", "mail", "dn", "guid"]
    for name in fields:
        assert await directory.people_by(name, [hostile]) == [None], name
    assert await directory.search_people(hostile) == []
    assert await directory.reports_of([hostile]) == {hostile: []}
    assert await directory.groups_of([hostile]) == {hostile: []}


async def test_a_wildcard_in_a_search_word_is_literal(directory: DirectoryConnector) -> None:
    # "pri" finds Priya; "pri*" must not behave like it (the * is escaped).
    assert any(p.account_name == "priya.shah" for p in await directory.search_people("pri"))
    assert await directory.search_people("pri*") == []


async def test_org_chart(directory: DirectoryConnector, council: Council) -> None:
    alex = account(council, "alex.morgan")
    [record] = await directory.people_by("account_name", ["alex.morgan"])
    assert record is not None and record.manager_dn is not None
    reports = (await directory.reports_of([record.dn]))[record.dn]
    expected = sorted(
        p["sAMAccountName"] for p in council.people if p["managerSAM"] == "alex.morgan"
    )
    assert sorted(r.account_name or "" for r in reports) == expected and expected
    [manager] = await directory.people_by("dn", [record.manager_dn])
    assert manager is not None and manager.account_name == alex["managerSAM"]


def expected_chain(council: Council, name: str) -> list[str]:
    by_name = {p["sAMAccountName"]: p for p in council.people}
    chain, current = [], by_name[name]["managerSAM"]
    while current:
        chain.append(current)
        current = by_name[current]["managerSAM"]
    return chain


async def test_manager_chains_to_the_top_one_search_per_level(
    directory: DirectoryConnector, council: Council
) -> None:
    names = [p["sAMAccountName"] for p in council.people if p["hasAd"] and p["managerSAM"]][:100]
    names.append("helen.carter")
    people = await directory.people_by("account_name", names)
    dns = [p.dn for p in people if p is not None]
    assert len(dns) == len(names)
    before = directory.calls
    chains = await directory.manager_chains(dns)
    depth = max(len(expected_chain(council, n)) for n in names)
    # The people themselves, then at most one search per level of the org chart.
    assert directory.calls - before <= depth + 1 and depth >= 3
    for name, dn in zip(names, dns, strict=True):
        assert [p.account_name for p in chains[dn]] == expected_chain(council, name)
    assert chains[dns[-1]] == []  # the chief executive has no manager


async def test_a_manager_loop_and_a_dangling_manager_end_the_chain(
    target: Target, scratch: tuple[ldap3.Connection, str]
) -> None:
    conn, ou = scratch
    a, b, c = (f"CN=Loop {x},{ou}" for x in "ABC")
    target.add_person(conn, a, "loop.a")
    target.add_person(conn, b, "loop.b", manager=a)
    assert conn.modify(a, {"manager": [(ldap3.MODIFY_REPLACE, [b])]}), conn.result
    # C's manager is outside the connector's base: the directory cannot resolve it.
    outside = f"CN=Nobody,OU=Service Accounts,OU=Northshire,{target.options.base_dn}"
    if target.ad:  # AD refuses links to missing objects: point at an existing one outside
        outside = f"CN=Administrator,CN=Users,{target.options.base_dn}"
    target.add_person(conn, c, "loop.c", manager=outside)
    directory = target.open(base_dn=f"OU=Northshire,{target.options.base_dn}")
    chains = await directory.manager_chains([a, b, c, "CN=Missing,OU=Nowhere,DC=test"])
    assert [p.account_name for p in chains[a]] == ["loop.b"]
    assert [p.account_name for p in chains[b]] == ["loop.a"]
    assert chains[c] == [] and chains["CN=Missing,OU=Nowhere,DC=test"] == []
    assert len((await directory.colleagues_of([a]))[a]) == 0


async def test_colleagues_share_a_manager(directory: DirectoryConnector, council: Council) -> None:
    priya = account(council, "priya.shah")
    [record] = await directory.people_by("account_name", ["priya.shah"])
    assert record is not None
    before = directory.calls
    colleagues = await directory.colleagues_of([record.dn, "CN=Missing,DC=test"])
    assert directory.calls - before == 2
    expected = sorted(
        p["sAMAccountName"]
        for p in council.people
        if p["managerSAM"] == priya["managerSAM"] and p["sAMAccountName"] != "priya.shah"
    )
    assert sorted(p.account_name or "" for p in colleagues[record.dn]) == expected and expected
    assert colleagues["CN=Missing,DC=test"] == []


def group_closure(council: Council) -> dict[str, set[str]]:
    """Each group's people (sAMAccountName), nested membership included, from the LDIF."""
    by_dn = {normalise_dn(e.dn): e for e in council.entries}

    def people(dn: str, seen: set[str]) -> set[str]:
        found: set[str] = set()
        for member in by_dn[dn].attrs.get("member", []):
            norm = normalise_dn(member.decode())
            entry = by_dn.get(norm)
            if entry is None or norm in seen:
                continue
            if b"group" in entry.attrs.get("objectclass", []):
                found |= people(norm, seen | {norm})
            else:
                found.add(entry.first("sAMAccountName") or "")
        return found

    return {
        name: people(normalise_dn(g.dn), {normalise_dn(g.dn)}) for name, g in council.groups.items()
    }


async def test_nested_groups_of_a_person(directory: DirectoryConnector, council: Council) -> None:
    [priya] = await directory.people_by("account_name", ["priya.shah"])
    assert priya is not None
    names = {g.name for g in (await directory.groups_of([priya.dn]))[priya.dn]}
    expected = {name for name, members in group_closure(council).items() if "priya.shah" in members}
    assert names == expected
    assert {"Staff - Planning", "All Staff"} <= names  # department -> directorate -> all


async def test_members_of_a_group_through_nested_groups(
    directory: DirectoryConnector, council: Council
) -> None:
    group = council.groups["Directorate - Place"]
    members = (await directory.members_of([group.dn]))[group.dn]
    expected = group_closure(council)["Directorate - Place"]
    assert {p.account_name for p in members} == expected and len(expected) > 100


async def test_tls_verifies_the_ca_and_the_certificate_name(target: Target) -> None:
    [found] = await target.open().people_by("account_name", ["priya.shah"])  # LDAPS, CA given
    assert found is not None
    for wrong in ({"ca_file": None}, {"tls_server_name": "dc9.elsewhere.test"}):
        with pytest.raises(DirectoryUnavailable):  # system CAs did not sign it / another name
            await target.open(**wrong).people_by("account_name", ["priya.shah"])


async def test_start_tls(target: Target) -> None:
    connector = target.open(url=target.plain_url, start_tls=True)
    [found] = await connector.people_by("account_name", ["priya.shah"])
    assert found is not None
    with pytest.raises(DirectoryRejected):  # plain LDAP without StartTLS needs permission
        target.open(url=target.plain_url)


async def test_groups_by_guid_and_by_name(directory: DirectoryConnector, council: Council) -> None:
    [priya] = await directory.people_by("account_name", ["priya.shah"])
    assert priya is not None
    known = (await directory.groups_of([priya.dn]))[priya.dn]
    by_guid = await directory.groups_by("guid", [g.guid.upper() for g in known])
    assert by_guid == known  # GUIDs in any case, answered in the order asked
    names = ["all staff", "Staff - Planning", "No Such Group", "*", "Staff - Planning)(cn=*"]
    by_name = await directory.groups_by("name", names)
    assert [g.name if g else None for g in by_name] == [
        "All Staff", "Staff - Planning", None, None, None
    ]  # fmt: skip
    assert await directory.groups_by("guid", ["not-a-guid", str(uuid.uuid4())]) == [None, None]
    assert await directory.groups_by("guid", [priya.guid]) == [None]  # a person is no group
    assert "Staff - Planning" in council.groups


async def test_search_pages_through_everyone(target: Target, council: Council) -> None:
    connector = target.open(page_size=100)
    everyone = await connector.search_people(None, include_leavers=True)
    active = await connector.search_people(None)
    named = [p for p in council.people if p["hasAd"] and p["role"] != "service"]
    assert len(everyone) >= len(named)
    assert len(everyone) > 1000  # past one page many times over
    disabled = {p["sAMAccountName"] for p in council.people if not p["enabled"] and p["hasAd"]}
    assert disabled and not disabled & {p.account_name for p in active}
    assert disabled <= {p.account_name for p in everyone}
    assert [p.display_name.casefold() for p in active] == sorted(
        p.display_name.casefold() for p in active
    )


async def test_search_by_title_department_and_office(directory: DirectoryConnector) -> None:
    found = await directory.search_people("planning officer")
    assert found and all(
        "planning" in " ".join(filter(None, [p.display_name, p.title, p.department])).lower()
        for p in found
    )
    by_office = await directory.search_people("County Hall")
    assert by_office and all("County Hall" in (p.office or "") for p in by_office)


async def test_a_disabled_account_is_a_leaver_still_resolvable(
    directory: DirectoryConnector, council: Council
) -> None:
    gone = next(p for p in council.people if not p["enabled"] and p["hasAd"])
    [record] = await directory.people_by("guid", [gone["guid"]])
    assert record is not None and record.is_leaver(datetime.now(UTC))
    assert gone["guid"] not in {p.guid for p in await directory.search_people(gone["displayName"])}


async def test_an_expired_account_is_a_leaver_and_never_means_never(
    target: Target, directory: DirectoryConnector, scratch: tuple[ldap3.Connection, str]
) -> None:
    conn, ou = scratch
    dn = f"CN=Expiring Person,{ou}"
    target.add_person(conn, dn, "expiring.person")
    now = datetime.now(UTC)
    target.expire(conn, dn, now - timedelta(days=2))
    [record] = await directory.people_by("dn", [dn])
    assert record is not None and record.expires_at is not None and record.is_leaver(now)
    assert await directory.search_people("Expiring Person") == []
    assert len(await directory.search_people("Expiring Person", include_leavers=True)) == 1
    target.expire(conn, dn, now + timedelta(days=30))
    [later] = await directory.people_by("dn", [dn])
    assert later is not None and not later.is_leaver(now)
    assert len(await directory.search_people("Expiring Person")) == 1
    if target.ad:  # AD's two spellings of "never"
        for never in ("0", str(0x7FFFFFFFFFFFFFFF)):
            assert conn.modify(dn, {"accountExpires": [(ldap3.MODIFY_REPLACE, [never])]})
            [record] = await directory.people_by("dn", [dn])
            assert record is not None and record.expires_at is None


async def test_changes_by_timestamp(target: Target, scratch: tuple[ldap3.Connection, str]) -> None:
    conn, ou = scratch
    directory = target.open(features=DirectoryFeatures(change_tracking="timestamp"))
    tim = f"CN=Tim Stamp,{ou}"
    # Changes within the checkpoint's second are reported again (never lost): step past
    # the second the directory was loaded in, and past each checkpoint, before changing.
    await asyncio.sleep(1.1)
    target.add_person(conn, tim, "tim.stamp", title="Planning Officer")
    # A first full pass learns "now": the newest change time, Tim's creation.
    start = await directory.change_checkpoint()
    assert start.startswith("time:")
    await asyncio.sleep(1.1)
    assert conn.modify(tim, {"title": [(ldap3.MODIFY_REPLACE, ["Senior Planning Officer"])]})
    moved = await directory.changes_since(start)
    assert not moved.full
    # AD bumps whenChanged on the accounts that sign in (the service account): look
    # only at staff.
    staff = f"{STAFF_OU},{target.options.base_dn}"
    assert [p.title for p in moved.people if under(p.dn, staff)] == ["Senior Planning Officer"]
    await asyncio.sleep(1.1)
    target.add_person(conn, f"CN=Jo Later,{ou}", "jo.later")
    joined = await directory.changes_since(moved.checkpoint)
    # Tim's change shares the checkpoint's second, so it is reported again.
    assert [p.account_name for p in joined.people if under(p.dn, staff)] == [
        "jo.later",
        "tim.stamp",
    ]
    assert joined.checkpoint > moved.checkpoint > start
    everyone = await directory.changes_since("time:not-a-time")
    assert everyone.full and len(everyone.people) > 1500


async def test_the_everyone_index_follows_the_change_feed(
    target: Target, scratch: tuple[ldap3.Connection, str]
) -> None:
    conn, ou = scratch
    directory = target.open(features=DirectoryFeatures(change_tracking="timestamp"))
    await asyncio.sleep(1.1)  # past the second the directory was loaded in
    start = await directory.change_checkpoint()
    before = await directory.people_index()
    assert directory.index.builds == 1
    await asyncio.sleep(1.1)
    dn = f"CN=Aaron Index,{ou}"
    target.add_person(conn, dn, "aaron.index")
    assert await directory.people_index() == before  # kept: no feed round yet
    joined = await directory.changes_since(start)
    after = await directory.people_index()
    assert after == [p.guid for p in await directory.search_people(None)]
    assert len(after) == len(before) + 1
    await asyncio.sleep(1.1)
    target.expire(conn, dn, datetime.now(UTC) - timedelta(days=1))
    await directory.changes_since(joined.checkpoint)
    assert await directory.people_index() == before  # a leaver now
    everyone = [p.guid for p in await directory.search_people(None, include_leavers=True)]
    assert await directory.people_index(include_leavers=True) == everyone
    assert directory.index.builds == 1  # the feed kept it current: never read whole again
    await directory.changes_since("time:not-a-time")  # a full round: read whole next time
    assert await directory.people_index(include_leavers=True) == everyone
    assert directory.index.builds == 2


async def check_photos(directory: DirectoryConnector, council: Council) -> None:
    with_photo = next(p for p in council.people if p["hasPhoto"])
    without = next(p for p in council.people if not p["hasPhoto"] and p["role"] != "service")
    data = await directory.photo(with_photo["guid"])
    assert data is not None and data.startswith(b"\x89PNG")
    assert await directory.photo(without["guid"]) is None
    assert await directory.photo("nonsense") is None
    # Person reads never ask for the photo's bytes...
    assert directory.map.photo not in directory.map.person_attributes()
    # ...who holds one is a presence search: a page of 100 people is one search.
    page = [p for p in council.people if p["hasAd"]][:100]
    assert len(page) == 100 and any(p["hasPhoto"] for p in page)
    assert not all(p["hasPhoto"] for p in page)
    before = directory.calls
    held = await photo_holders(directory, [p["guid"].upper() for p in page] + ["nonsense"])
    assert directory.calls - before == 1
    assert held == {p["guid"].lower() for p in page if p["hasPhoto"]}
    assert await photo_holders(directory, ["nonsense", ""]) == set()
    assert directory.calls - before == 1  # nothing well formed to ask about: no search


async def test_photo(directory: DirectoryConnector, council: Council) -> None:
    await check_photos(directory, council)


async def test_photo_on_the_embedded_directory(council: Council) -> None:
    directory = open_embedded(council.ldif, "DC=ad,DC=northshire,DC=test")
    try:
        await check_photos(directory, council)
    finally:
        await directory.close()


async def test_recovers_after_the_server_restarts(
    target: Target, directory: DirectoryConnector
) -> None:
    [before] = await directory.people_by("account_name", ["priya.shah"])
    target.restart()
    deadline = time.monotonic() + 20
    while True:
        try:
            [after] = await directory.people_by("account_name", ["priya.shah"])
            break
        except DirectoryUnavailable:
            if time.monotonic() > deadline:
                raise
    assert after == before


def test_the_openldap_map_names_openldap_attributes() -> None:
    m = AttributeMap.named("openldap")
    assert (m.guid, m.account_name, m.photo, m.changed) == (
        "entryUUID", "uid", "jpegPhoto", "modifyTimestamp",
    )  # fmt: skip
    assert not m.guid_is_binary and AttributeMap.named("ad").guid == "objectGUID"
