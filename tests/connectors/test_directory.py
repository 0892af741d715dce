"""The directory connector against a real Samba AD DC over LDAPS (certificate verified)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from servers import Council
from servers.samba import SambaDC

from connectors.directory import (
    DirectoryConnector,
    DirectoryRejected,
    DirectoryUnavailable,
    LdapOptions,
    open_ldap,
)

pytestmark = pytest.mark.samba


def options(samba: SambaDC, **overrides: Any) -> LdapOptions:
    values: dict[str, Any] = {
        "url": samba.ldaps_url,
        "bind_dn": samba.bind_user,
        "password": samba.password,
        "base_dn": samba.base_dn,
        "ca_file": samba.ca_file,
        "tls_server_name": samba.tls_hostname,
        "pool_size": 2,
        "connect_timeout": 3,
        "operation_timeout": 10,
    }
    values.update(overrides)
    return LdapOptions(**values)


@pytest.fixture
async def directory(samba: SambaDC) -> AsyncIterator[DirectoryConnector]:
    connector = open_ldap(options(samba))
    yield connector
    await connector.close()


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
    directory: DirectoryConnector, council: Council, field: str
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
    assert missing is None
    [by_dn] = await directory.people_by("dn", [found.dn])
    assert by_dn == found


@pytest.mark.parametrize(
    "hostile",
    [
        "*",
        "*)(objectClass=*",
        ")(|(cn=*",
        "priya.shah)(sAMAccountName=*",
        "\\00",
        "\x00",
        "pri*",
        "Ω≈ç√∫" * 50,
        "a" * 5000,
        "\\2a",
    ],
)
async def test_injection_strings_match_nothing(directory: DirectoryConnector, hostile: str) -> None:
    assert await directory.people_by("account_name", [hostile]) == [None]
    assert await directory.search_people(hostile) == []


async def test_org_chart(directory: DirectoryConnector, council: Council) -> None:
    alex = account(council, "alex.morgan")
    [record] = await directory.people_by("account_name", ["alex.morgan"])
    assert record is not None
    reports = (await directory.reports_of([record.dn]))[record.dn]
    expected = sorted(
        p["sAMAccountName"] for p in council.people if p["managerSAM"] == "alex.morgan"
    )
    assert sorted(r.account_name for r in reports) == expected and expected
    [manager] = await directory.people_by("dn", [record.manager_dn])
    assert manager is not None and manager.account_name == alex["managerSAM"]


async def test_nested_groups(directory: DirectoryConnector) -> None:
    [priya] = await directory.people_by("account_name", ["priya.shah"])
    assert priya is not None
    names = {g.name for g in (await directory.groups_of([priya.dn]))[priya.dn]}
    # Department group -> directorate group -> All Staff.
    assert {"Staff - Planning", "All Staff"} <= names
    assert any(n.startswith("Directorate - ") for n in names)


async def test_search_pages_through_everyone(samba: SambaDC, council: Council) -> None:
    connector = open_ldap(options(samba, page_size=100))
    try:
        everyone = await connector.search_people(None, include_leavers=True)
        active = await connector.search_people(None)
    finally:
        await connector.close()
    named = [p for p in council.people if p["role"] != "service"]
    assert len(everyone) >= len(named) - 5
    assert len(everyone) > 1000  # past one page many times over
    assert len(active) < len(everyone)
    assert all(p.enabled for p in active)
    assert [p.display_name.casefold() for p in active] == sorted(
        p.display_name.casefold() for p in active
    )


async def test_search_by_title_department_and_office(directory: DirectoryConnector) -> None:
    found = await directory.search_people("planning officer")
    assert found and all(
        "planning"
        in " ".join(filter(None, [p.display_name, p.title, p.department, p.office])).lower()
        for p in found
    )


async def test_photo(directory: DirectoryConnector, council: Council) -> None:
    with_photo = next(p for p in council.people if p["hasPhoto"])
    without = next(p for p in council.people if not p["hasPhoto"] and p["role"] != "service")
    data = await directory.photo(with_photo["guid"])
    assert data is not None and data.startswith(b"\x89PNG")
    assert await directory.photo(without["guid"]) is None
    assert await directory.photo("nonsense") is None


async def test_wrong_password_is_rejected(samba: SambaDC) -> None:
    connector = open_ldap(options(samba, password="wrong-password"))
    try:
        with pytest.raises(DirectoryRejected) as caught:
            await connector.people_by("account_name", ["priya.shah"])
        assert "CN=" not in str(caught.value) and "DC=" not in str(caught.value)
    finally:
        await connector.close()


async def test_an_unverifiable_certificate_is_refused(samba: SambaDC) -> None:
    connector = open_ldap(options(samba, ca_file=None))  # the system CAs did not sign Samba's
    try:
        with pytest.raises(DirectoryUnavailable):
            await connector.people_by("account_name", ["priya.shah"])
    finally:
        await connector.close()


def test_plain_ldap_needs_explicit_permission(samba: SambaDC) -> None:
    with pytest.raises(DirectoryRejected):
        open_ldap(options(samba, url=samba.ldap_url))


async def test_start_tls(samba: SambaDC) -> None:
    connector = open_ldap(options(samba, url=samba.ldap_url, start_tls=True))
    try:
        [found] = await connector.people_by("account_name", ["priya.shah"])
        assert found is not None
    finally:
        await connector.close()


async def test_recovers_after_the_server_restarts(
    directory: DirectoryConnector, samba: SambaDC
) -> None:
    [before] = await directory.people_by("account_name", ["priya.shah"])
    samba.restart()
    deadline = time.monotonic() + 20
    while True:
        try:
            [after] = await directory.people_by("account_name", ["priya.shah"])
            break
        except DirectoryUnavailable:
            if time.monotonic() > deadline:
                raise
    assert after == before


async def test_a_stopped_server_is_unavailable_not_a_crash(samba: SambaDC) -> None:
    connector = open_ldap(options(samba))
    samba.stop()
    try:
        with pytest.raises(DirectoryUnavailable):
            await connector.people_by("account_name", ["priya.shah"])
    finally:
        samba.start()
        await connector.close()
