"""Active Directory's own paths, against a real Samba AD DC: change tracking (uSNChanged and
DirSync), directReports, LDAP_MATCHING_RULE_IN_CHAIN, ANR, ranged retrieval, a person in
300+ groups, and the TLS and bind rules. Changes are made over LDAPS as the domain admin
in a throwaway OU, deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import ldap3
import pytest
from servers import Council
from servers.samba import SambaDC
from servers.scratch import scratch_ou

from connectors.directory import (
    DirectoryConnector,
    DirectoryFeatures,
    DirectoryRejected,
    LdapOptions,
    open_ldap,
)
from connectors.directory.search import paged_search

pytestmark = pytest.mark.samba


def options(samba: SambaDC, **overrides: Any) -> LdapOptions:
    return samba.ldap_options(**overrides)


def ldaps(samba: SambaDC, user: str, password: str) -> ldap3.Connection:
    return samba.ldaps_connection(user, password, auto_range=False, return_empty_attributes=False)


@pytest.fixture
async def connectors(samba: SambaDC) -> AsyncIterator[list[DirectoryConnector]]:
    opened: list[DirectoryConnector] = []
    yield opened
    for connector in opened:
        await connector.close()


@pytest.fixture
def open_directory(samba: SambaDC, connectors: list[DirectoryConnector]) -> Any:
    def make(features: DirectoryFeatures | None = None, **overrides: Any) -> DirectoryConnector:
        connector = open_ldap(options(samba, features=features or DirectoryFeatures(), **overrides))
        connectors.append(connector)
        return connector

    return make


@pytest.fixture
def scratch(samba: SambaDC) -> Iterator[tuple[ldap3.Connection, str]]:
    """The domain admin over LDAPS and an empty OU under Staff, removed after the test."""
    conn = ldaps(samba, samba.admin_user, samba.admin_password)
    with scratch_ou(conn, f"OU=Staff,OU=Northshire,{samba.base_dn}") as ou:
        yield conn, ou


def add_user(conn: ldap3.Connection, dn: str, account: str, **extra: Any) -> None:
    attrs = {
        "objectClass": ["top", "person", "organizationalPerson", "user"],
        "sAMAccountName": account,
        "displayName": dn.split(",", 1)[0][3:],
        "userAccountControl": 512,
        **extra,
    }
    assert conn.add(dn, attributes=attrs), conn.result


# -- change tracking -------------------------------------------------------------------


async def test_changes_made_over_ldap_show_up_in_the_usn_feed(
    open_directory: Any, samba: SambaDC, scratch: tuple[ldap3.Connection, str]
) -> None:
    conn, ou = scratch
    directory: DirectoryConnector = open_directory()
    start = await directory.change_checkpoint()
    dn = f"CN=Jo Joiner,{ou}"
    add_user(conn, dn, "jo.joiner", title="Planning Officer")

    joined = await directory.changes_since(start)
    assert not joined.full and joined.checkpoint != start
    [jo] = [p for p in joined.people if p.account_name == "jo.joiner"]
    assert jo.title == "Planning Officer" and jo.enabled
    assert "priya.shah" not in {p.account_name for p in joined.people}  # untouched

    assert conn.modify(dn, {"title": [(ldap3.MODIFY_REPLACE, ["Senior Planning Officer"])]})
    moved = await directory.changes_since(joined.checkpoint)
    assert [p.title for p in moved.people if p.guid == jo.guid] == ["Senior Planning Officer"]

    assert conn.modify(dn, {"userAccountControl": [(ldap3.MODIFY_REPLACE, ["514"])]})
    left = await directory.changes_since(moved.checkpoint)
    [leaver] = [p for p in left.people if p.guid == jo.guid]
    assert not leaver.enabled

    quiet = await directory.changes_since(left.checkpoint)
    assert jo.guid not in {p.guid for p in quiet.people}

    # Deletions: the service account cannot read tombstones (no removals, no error);
    # an account allowed to see deleted objects gets the GUID.
    admin = open_directory(bind_dn=samba.admin_user, password=samba.admin_password)
    before_delete = await admin.change_checkpoint()
    assert conn.delete(dn), conn.result
    gone = await admin.changes_since(before_delete)
    assert jo.guid in gone.removed
    assert jo.guid not in (await directory.changes_since(quiet.checkpoint)).removed


@pytest.mark.parametrize("checkpoint", [None, "nonsense", "usn:12:0123456789abcdef", "usn:x:y"])
async def test_a_checkpoint_this_dc_cannot_honour_starts_over(
    open_directory: Any, council: Council, checkpoint: str | None
) -> None:
    directory: DirectoryConnector = open_directory()
    answer = await directory.changes_since(checkpoint)
    assert answer.full
    assert len(answer.people) >= sum(1 for p in council.people if p["hasAd"])
    assert answer.checkpoint.startswith("usn:")
    assert not (await directory.changes_since(answer.checkpoint)).full


async def test_dirsync_needs_the_replication_right(open_directory: Any) -> None:
    directory: DirectoryConnector = open_directory(DirectoryFeatures(change_tracking="dirsync"))
    with pytest.raises(DirectoryRejected, match="Replicating Directory Changes"):
        await directory.change_checkpoint()


async def test_dirsync_reports_joiners_changes_and_removals(
    open_directory: Any, samba: SambaDC, scratch: tuple[ldap3.Connection, str]
) -> None:
    conn, ou = scratch
    # The domain admin holds "Replicating Directory Changes"; a production service
    # account is granted it explicitly.
    directory: DirectoryConnector = open_directory(
        DirectoryFeatures(change_tracking="dirsync"),
        bind_dn=samba.admin_user,
        password=samba.admin_password,
    )
    start = await directory.change_checkpoint()
    assert start.startswith("dirsync:")
    dn = f"CN=Dee Sync,{ou}"
    add_user(conn, dn, "dee.sync", department="Planning")
    joined = await directory.changes_since(start)
    [dee] = [p for p in joined.people if p.account_name == "dee.sync"]
    assert dee.department == "Planning" and not joined.full
    assert len(joined.people) < 20  # only what changed, not everyone
    assert conn.modify(dn, {"department": [(ldap3.MODIFY_REPLACE, ["Housing"])]})
    moved = await directory.changes_since(joined.checkpoint)
    assert [p.department for p in moved.people if p.guid == dee.guid] == ["Housing"]
    assert conn.delete(dn), conn.result
    gone = await directory.changes_since(moved.checkpoint)
    assert dee.guid in gone.removed and dee.guid not in {p.guid for p in gone.people}


async def test_dirsync_works_for_a_service_account_granted_the_right(
    open_directory: Any, samba: SambaDC, scratch: tuple[ldap3.Connection, str]
) -> None:
    """Least privilege: an ordinary account, granted only "Replicating Directory Changes"
    on the domain (what an administrator grants Townhall's service account)."""
    conn, ou = scratch
    reader_dn, password = f"CN=Sync Reader,{ou}", f"Rd-{uuid.uuid4().hex}!"
    add_user(conn, reader_dn, "sync.reader", userAccountControl=514)
    assert conn.modify(
        reader_dn, {"unicodePwd": [(ldap3.MODIFY_REPLACE, [f'"{password}"'.encode("utf-16-le")])]}
    ), conn.result
    assert conn.modify(reader_dn, {"userAccountControl": [(ldap3.MODIFY_REPLACE, [512])]}), (
        conn.result
    )
    features = DirectoryFeatures(change_tracking="dirsync")
    ungranted = open_directory(features, bind_dn=reader_dn, password=password)
    with pytest.raises(DirectoryRejected, match="Replicating Directory Changes"):
        await ungranted.change_checkpoint()
    samba.grant_replication_right(reader_dn)
    directory: DirectoryConnector = open_directory(features, bind_dn=reader_dn, password=password)
    start = await directory.change_checkpoint()
    add_user(conn, f"CN=Dee Granted,{ou}", "dee.granted", department="Housing")
    joined = await directory.changes_since(start)
    assert [p.department for p in joined.people if p.account_name == "dee.granted"] == ["Housing"]


# -- AD-native paths equal the portable ones -------------------------------------------


async def test_direct_reports_attribute_matches_the_manager_search(
    open_directory: Any, council: Council
) -> None:
    portable: DirectoryConnector = open_directory()
    native = open_directory(DirectoryFeatures(reports_via="direct_reports"))
    ranged = open_directory(DirectoryFeatures(reports_via="direct_reports", range_step=3))
    managers = sorted({p["managerSAM"] for p in council.people if p["managerSAM"]})[:40]
    dns = [p.dn for p in await portable.people_by("account_name", managers) if p is not None]
    expected = await portable.reports_of(dns)
    assert sum(len(v) for v in expected.values()) > 100
    assert await native.reports_of(dns) == expected
    assert await ranged.reports_of(dns) == expected


async def test_in_chain_matches_the_walk(open_directory: Any, council: Council) -> None:
    walk: DirectoryConnector = open_directory()
    chain = open_directory(DirectoryFeatures(nested_groups="in_chain"))
    names = [*[p["sAMAccountName"] for p in council.people if p["hasAd"]][:25], "priya.shah"]
    dns = [p.dn for p in await walk.people_by("account_name", names) if p is not None]
    assert await chain.groups_of(dns) == await walk.groups_of(dns)
    groups = [council.groups[n].dn for n in ("Directorate - Place", "All Staff")]
    before = chain.calls
    members = await chain.members_of(groups)
    assert chain.calls - before == 2  # one search per group: the DC expands the nesting
    assert members == await walk.members_of(groups)
    assert len(members[groups[1]]) > 1500


@pytest.mark.parametrize("text", ["priya", "shah", "planning officer", "county hall"])
async def test_anr_finds_what_the_portable_search_finds(open_directory: Any, text: str) -> None:
    portable: DirectoryConnector = open_directory()
    anr = open_directory(DirectoryFeatures(anr=True))
    expected = await portable.search_people(text)
    assert expected and await anr.search_people(text) == expected


# -- ranged retrieval, against the server's real ranged answers -------------------------


class CountingConnection:
    """A real connection that counts the searches sent through it."""

    def __init__(self, connection: ldap3.Connection) -> None:
        self._connection = connection
        self.searches = 0

    def search(self, *args: Any, **kwargs: Any) -> Any:
        self.searches += 1
        return self._connection.search(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


@pytest.mark.parametrize(("first", "step", "searches"), [(7, 7, 13), (10, None, 2), (200, None, 1)])
async def test_ranged_retrieval_loops_to_the_last_slice(
    samba: SambaDC, council: Council, first: int, step: int | None, searches: int
) -> None:
    conn = CountingConnection(ldaps(samba, samba.bind_user, samba.password))
    expected = {m.decode().casefold() for m in council.groups["Staff - Planning"].attrs["member"]}
    assert len(expected) == 91  # 13 windows of 7; 0-9 then 10-* chosen by the server
    [entry] = paged_search(
        conn,
        samba.base_dn,
        "(cn=Staff - Planning)",
        [f"member;range=0-{first - 1}"],
        page_size=100,
        range_step=step,
    )
    assert conn.searches == searches
    assert {v.casefold() for v in entry["attributes"]["member"]} == expected
    assert not [k for k in entry["raw_attributes"] if ";range=" in k]


async def test_members_and_groups_read_in_ranges_match(
    open_directory: Any, council: Council
) -> None:
    whole: DirectoryConnector = open_directory()
    ranged = open_directory(DirectoryFeatures(range_step=9))
    groups = [council.groups[n].dn for n in ("Staff - Planning", "Directorate - Place")]
    assert await ranged.members_of(groups) == await whole.members_of(groups)
    [priya] = await whole.people_by("account_name", ["priya.shah"])
    assert priya is not None
    assert await ranged.groups_of([priya.dn]) == await whole.groups_of([priya.dn])


async def test_a_person_in_more_than_300_groups(
    open_directory: Any, scratch: tuple[ldap3.Connection, str]
) -> None:
    conn, ou = scratch
    person = f"CN=Many Groups,{ou}"
    add_user(conn, person, "many.groups")
    names = [f"Committee {i:03d}" for i in range(320)]
    for name in names:
        assert conn.add(
            f"CN={name},{ou}",
            attributes={"objectClass": ["top", "group"], "sAMAccountName": name, "member": person},
        ), conn.result
    parent = f"CN=Committees,{ou}"
    assert conn.add(
        parent,
        attributes={"objectClass": ["top", "group"], "sAMAccountName": "Committees",
                    "member": [f"CN={names[0]},{ou}", f"CN={names[1]},{ou}"]},
    ), conn.result  # fmt: skip
    walk = DirectoryFeatures(nested_groups="walk")
    for features in (walk, DirectoryFeatures(), DirectoryFeatures(nested_groups="in_chain")):
        # The member= walk asks which groups hold any of the 320 groups: Samba takes
        # seconds per OR filter of 100 (member=…) clauses, hence the long timeout.
        directory: DirectoryConnector = open_directory(features, operation_timeout=120)
        found = {g.name for g in (await directory.groups_of([person]))[person]}
        assert found == {*names, "Committees"}, features
    members = (await open_directory(DirectoryFeatures(range_step=50)).members_of([parent]))[parent]
    assert [p.account_name for p in members] == ["many.groups"]


# -- binding and TLS ------------------------------------------------------------------


async def test_wrong_password_is_rejected(open_directory: Any) -> None:
    connector: DirectoryConnector = open_directory(password="wrong-password")
    with pytest.raises(DirectoryRejected) as caught:
        await connector.people_by("account_name", ["priya.shah"])
    assert "CN=" not in str(caught.value) and "DC=" not in str(caught.value)


def test_plain_ldap_needs_explicit_permission(samba: SambaDC) -> None:
    with pytest.raises(DirectoryRejected):
        open_ldap(options(samba, url=samba.ldap_url))
