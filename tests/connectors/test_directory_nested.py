"""Nested groups the fast ways, against real servers: what the connector detects (the
in-chain rule probed, sort and VLV from the root DSE), and that the ``memberOf`` walk,
the in-chain rule and the ``member=`` walk give the same groups: on the Samba DC (a
person in 320 groups, a group cycle), on the embedded directory, and on slapd (which
has neither ``memberOf`` nor the in-chain rule, so ``auto`` falls back to the walk).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import ldap3
import pytest
from servers import Council
from servers.samba import SambaDC
from servers.scratch import scratch_ou
from servers.slapd import Slapd

from connectors.directory import DirectoryConnector, DirectoryFeatures, open_embedded, open_ldap

WALK, CHAIN = DirectoryFeatures(nested_groups="walk"), DirectoryFeatures(nested_groups="in_chain")
EMBEDDED_BASE = "DC=ad,DC=northshire,DC=test"


@pytest.fixture
async def opened() -> AsyncIterator[list[DirectoryConnector]]:
    connectors: list[DirectoryConnector] = []
    yield connectors
    for connector in connectors:
        await connector.close()


@pytest.fixture
def samba_scratch(samba: SambaDC) -> Iterator[tuple[ldap3.Connection, str]]:
    conn = samba.admin_connection()
    with scratch_ou(conn, f"OU=Staff,OU=Northshire,{samba.base_dn}", "Nested") as ou:
        yield conn, ou


def _group(conn: ldap3.Connection, dn: str, members: list[str]) -> None:
    name = dn.split(",", 1)[0][3:]
    attrs = {"objectClass": ["top", "group"], "sAMAccountName": name[:20], "member": members}
    assert conn.add(dn, attributes=attrs), conn.result


async def test_slapd_has_no_in_chain_and_auto_walks(
    slapd: Slapd, council: Council, opened: list[DirectoryConnector]
) -> None:
    auto = open_ldap(slapd.ldap_options())
    walk = open_ldap(slapd.ldap_options(features=WALK))
    opened += [auto, walk]
    capabilities = await auto.capabilities()
    assert not capabilities.in_chain and not capabilities.active_directory
    assert await auto.capabilities() is capabilities  # detected once, kept
    [priya] = await walk.people_by("account_name", ["priya.shah"])
    assert priya is not None
    found = await auto.groups_of([priya.dn])
    assert found == await walk.groups_of([priya.dn])
    assert {"Staff - Planning", "All Staff"} <= {g.name for g in found[priya.dn]}


async def test_the_embedded_directory_answers_in_chain_and_memberof(council: Council) -> None:
    auto = open_embedded(council.ldif, EMBEDDED_BASE)
    walk = open_embedded(council.ldif, EMBEDDED_BASE, features=WALK)
    chain = open_embedded(council.ldif, EMBEDDED_BASE, features=CHAIN)
    try:
        assert (await auto.capabilities()).in_chain
        names = [p["sAMAccountName"] for p in council.people if p["hasAd"]][:30]
        dns = [p.dn for p in await walk.people_by("account_name", names) if p is not None]
        expected = await walk.groups_of(dns)
        assert sum(len(v) for v in expected.values()) > 60
        assert await auto.groups_of(dns) == expected
        assert await chain.groups_of(dns) == expected
    finally:
        for connector in (auto, walk, chain):
            await connector.close()


@pytest.mark.samba
async def test_samba_detects_in_chain_sort_and_vlv(
    samba: SambaDC, opened: list[DirectoryConnector]
) -> None:
    connector = open_ldap(samba.ldap_options())
    opened.append(connector)
    capabilities = await connector.capabilities()
    assert capabilities.in_chain and capabilities.active_directory
    assert capabilities.server_sort and capabilities.virtual_list_view


@pytest.mark.samba
async def test_a_person_in_320_groups_by_memberof_one_search_per_level(
    samba: SambaDC, samba_scratch: tuple[ldap3.Connection, str], opened: list[DirectoryConnector]
) -> None:
    conn, ou = samba_scratch
    person = f"CN=Many Groups,{ou}"
    attrs = {"objectClass": ["top", "person", "organizationalPerson", "user"],
             "sAMAccountName": f"many.{uuid.uuid4().hex[:6]}", "userAccountControl": 512}  # fmt: skip
    assert conn.add(person, attributes=attrs), conn.result
    names = [f"Committee {i:03d}" for i in range(320)]
    for name in names:
        _group(conn, f"CN={name},{ou}", [person])
    # Two levels above the committees, and a cycle: Council Business holds Committees,
    # which holds Committee 000, which holds Council Business.
    _group(conn, f"CN=Committees,{ou}", [f"CN={names[0]},{ou}", f"CN={names[1]},{ou}"])
    _group(conn, f"CN=Council Business,{ou}", [f"CN=Committees,{ou}"])
    change = {"member": [(ldap3.MODIFY_ADD, [f"CN=Council Business,{ou}"])]}
    assert conn.modify(f"CN={names[0]},{ou}", change), conn.result
    auto = open_ldap(samba.ldap_options(operation_timeout=120))
    chain = open_ldap(samba.ldap_options(features=CHAIN, operation_timeout=120))
    opened += [auto, chain]
    before = auto.calls
    found = (await auto.groups_of([person]))[person]
    # The person, the 320 committees (4 chunks side by side), Committees, Council
    # Business (whose memberOf leads back to a committee: the walk ends there).
    assert auto.calls - before == 1 + 4 + 1 + 1
    assert {g.name for g in found} == {*names, "Committees", "Council Business"}
    assert (await chain.groups_of([person]))[person] == found


@pytest.mark.samba
async def test_auto_matches_the_walk_for_many_people(
    samba: SambaDC, council: Council, opened: list[DirectoryConnector]
) -> None:
    auto: DirectoryConnector = open_ldap(samba.ldap_options())
    walk = open_ldap(samba.ldap_options(features=WALK))
    ranged = open_ldap(samba.ldap_options(features=DirectoryFeatures(range_step=2)))
    opened += [auto, walk, ranged]
    names = [p["sAMAccountName"] for p in council.people if p["hasAd"]][:150]
    dns = [p.dn for p in await walk.people_by("account_name", names) if p is not None]
    expected = await walk.groups_of(dns)
    assert sum(len(v) for v in expected.values()) > 300
    assert await auto.groups_of(dns) == expected
    assert await ranged.groups_of(dns[:5]) == {dn: expected[dn] for dn in dns[:5]}


async def test_a_big_groups_slices_are_read_while_its_people_are_looked_up(
    tmp_path: Path,
) -> None:
    """3,200 direct members come in AD's slices of 1,500; a nested group inside adds
    more. The people of the first slice are looked up before the later slices arrive:
    those of every slice are found, with the server's slices and with fixed windows."""
    base = "DC=big,DC=test"
    people = [f"CN=Person {i:04d},OU=People,{base}" for i in range(3210)]
    lines = [f"dn: OU=People,{base}", "objectClass: organizationalUnit", ""]
    for i, dn in enumerate(people):
        guid = base64.b64encode(uuid.UUID(int=i + 1).bytes_le).decode()
        lines += [f"dn: {dn}", "objectClass: user", f"cn: Person {i:04d}",
                  f"sAMAccountName: p{i}", f"objectGUID:: {guid}", ""]  # fmt: skip
    small = f"CN=Small,OU=People,{base}"
    lines += [f"dn: {small}", "objectClass: group", "cn: Small",
              f"objectGUID:: {base64.b64encode(uuid.uuid4().bytes_le).decode()}",
              *(f"member: {dn}" for dn in people[3200:]), ""]  # fmt: skip
    big = f"CN=Big,OU=People,{base}"
    lines += [f"dn: {big}", "objectClass: group", "cn: Big",
              f"objectGUID:: {base64.b64encode(uuid.uuid4().bytes_le).decode()}",
              *(f"member: {dn}" for dn in [*people[:3200], small]), ""]  # fmt: skip
    ldif = tmp_path / "big.ldif"
    ldif.write_text("\n".join(lines) + "\n")
    for features in (WALK, DirectoryFeatures(nested_groups="walk", range_step=700)):
        connector = open_embedded(ldif, base, features=features)
        try:
            members = (await connector.members_of([big]))[big]
            assert sorted(p.account_name or "" for p in members) == sorted(
                f"p{i}" for i in range(3210)
            )
        finally:
            await connector.close()
