"""People search respects real names: on the Samba AD DC and on the embedded directory alike.

The same people (Groß, İlkay with a dotless i, René in both Unicode forms, 𠮷田, Llŷr, Łukasz, an
account with no displayName, a service account) are added to a scratch OU of the real
DC and to an embedded directory, and the same searches must find the same people on
both: the text goes to the directory as typed (escaped, never case-folded by Python),
both NFC and NFD spellings are searched, an account without a displayName is found by
its cn, and accounts under an excluded OU are not people.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import ldap3
import pytest
from servers.samba import SambaDC

from connectors.directory import DirectoryConnector, PeopleRule, open_ldap, search_key
from connectors.directory.embedded.server import EmbeddedServer
from connectors.directory.embedded.store import EmbeddedStore
from connectors.directory.factory import EMBEDDED_BIND_DN, EMBEDDED_PASSWORD, LdapOptions

BASE = "DC=ad,DC=northshire,DC=test"
NFD_RENE = unicodedata.normalize("NFD", "René Lefèvre")

# (cn, account, displayName or None)
PEOPLE = [
    ("Jürgen Groß", "jurgen.gross", "Jürgen Groß"),
    ("İlkay Işık", "ilkay.isik", "İlkay Işık"),  # noqa: RUF001 - dotless i on purpose
    ("René Lefèvre", "rene.lefevre", "René Lefèvre"),
    ("René Dubois", "rene.dubois", unicodedata.normalize("NFD", "René Dubois")),
    ("Yoshida Taro", "yoshida.taro", "𠮷田 太郎"),
    ("Llŷr Evans", "llyr.evans", "Llŷr Evans"),
    ("Łukasz Nowak", "lukasz.nowak", "Łukasz Nowak"),
    ("Nodisplay Person", "nodisplay.person", None),
]
SERVICE = ("Backup Robot", "svc-robot", "Backup Robot")

# search text -> the accounts it must find (exactly)
SEARCHES: dict[str, set[str]] = {
    "Groß": {"jurgen.gross"},
    "GROß": {"jurgen.gross"},
    "jürgen": {"jurgen.gross"},
    "gross": set(),  # ß is not ss to a DC
    "İlkay": {"ilkay.isik"},
    "Işık": {"ilkay.isik"},  # noqa: RUF001
    "René": {"rene.lefevre", "rene.dubois"},  # NFC typed: both spellings found
    unicodedata.normalize("NFD", "René"): {"rene.lefevre", "rene.dubois"},
    "RENÉ": {"rene.lefevre", "rene.dubois"},
    "𠮷田": {"yoshida.taro"},
    "Llŷr": {"llyr.evans"},
    "llŷr evans": {"llyr.evans"},
    "Łukasz": {"lukasz.nowak"},
    "łukasz": {"lukasz.nowak"},
    "Nodisplay": {"nodisplay.person"},
    "Robot": set(),  # a service account is not a person
    "*": set(),
    "ﬁ": set(),
    "alex)(title=*": set(),
}


def _entry(ou: str, cn: str, account: str, display: str | None) -> tuple[str, dict[str, Any]]:
    attributes: dict[str, Any] = {
        "objectClass": ["top", "person", "organizationalPerson", "user"],
        "cn": cn,
        "sAMAccountName": account,
        "userAccountControl": 512,
        "title": "Officer",
    }
    if display is not None:
        attributes["displayName"] = display
    return f"CN={cn},{ou}", attributes


@pytest.fixture(scope="module")
def samba_people(samba: SambaDC) -> Iterator[tuple[str, str]]:
    """A scratch OU of people and one of service accounts on the DC (removed after)."""
    conn = samba.admin_connection()
    tag = uuid.uuid4().hex[:8]
    ou = f"OU=Names {tag},OU=Staff,OU=Northshire,{samba.base_dn}"
    services = f"OU=Robots,{ou}"
    for dn in (ou, services):
        assert conn.add(dn, ["top", "organizationalUnit"]), conn.result
    for cn, account, display in PEOPLE:
        dn, attributes = _entry(ou, cn, account, display)
        assert conn.add(dn, attributes=attributes), (cn, conn.result)
    dn, attributes = _entry(services, *SERVICE)
    assert conn.add(dn, attributes=attributes), conn.result
    yield ou, services
    conn.search(ou, "(objectClass=*)", ldap3.SUBTREE, attributes=[])
    for found in sorted((e["dn"] for e in conn.response), key=len, reverse=True):
        conn.delete(found)
    conn.unbind()


@pytest.fixture
async def on_samba(
    samba: SambaDC, samba_people: tuple[str, str]
) -> AsyncIterator[DirectoryConnector]:
    ou, services = samba_people
    connector = open_ldap(
        samba.ldap_options(base_dn=ou, people_rule=PeopleRule(excluded_ous=(services,)))
    )
    yield connector
    await connector.close()


@pytest.fixture
async def on_embedded() -> AsyncIterator[DirectoryConnector]:
    ou = f"OU=Names,OU=Staff,OU=Northshire,{BASE}"
    services = f"OU=Robots,{ou}"
    entries = [
        (BASE, {"objectClass": ["domain"]}),
        (f"OU=Northshire,{BASE}", {"objectClass": ["organizationalUnit"]}),
        (f"OU=Staff,OU=Northshire,{BASE}", {"objectClass": ["organizationalUnit"]}),
        (ou, {"objectClass": ["organizationalUnit"]}),
        (services, {"objectClass": ["organizationalUnit"]}),
        *(_entry(ou, *person) for person in PEOPLE),
        _entry(services, *SERVICE),
    ]
    for _, attributes in entries[5:]:  # a DC gives every object a GUID
        attributes["objectGUID"] = [uuid.uuid4().bytes_le]
    store = EmbeddedStore(
        [
            (dn, {k: v if isinstance(v, list) else [str(v)] for k, v in a.items()})
            for dn, a in entries
        ]
    )
    bind_dn = f"{EMBEDDED_BIND_DN},{BASE}"
    server = EmbeddedServer(store, bind_dn, EMBEDDED_PASSWORD, BASE).start()
    connector = open_ldap(
        LdapOptions(
            url=server.url,
            bind_dn=bind_dn,
            password=EMBEDDED_PASSWORD,
            base_dn=ou,
            allow_plain=True,
            people_rule=PeopleRule(excluded_ous=(services,)),
        )
    )
    yield connector
    await connector.close()
    server.stop()


async def _found(directory: DirectoryConnector, text: str) -> set[str]:
    return {p.account_name or "" for p in await directory.search_people(text)}


@pytest.mark.parametrize("text", list(SEARCHES))
async def test_names_are_found_as_typed_on_the_embedded_directory(
    on_embedded: DirectoryConnector, text: str
) -> None:
    assert await _found(on_embedded, text) == SEARCHES[text]


@pytest.mark.samba
@pytest.mark.parametrize("text", list(SEARCHES))
async def test_names_are_found_as_typed_on_samba(on_samba: DirectoryConnector, text: str) -> None:
    assert await _found(on_samba, text) == SEARCHES[text]


async def test_an_account_without_a_display_name_is_listed_by_its_cn(
    on_embedded: DirectoryConnector,
) -> None:
    everyone = {p.account_name: p for p in await on_embedded.search_people(None)}
    assert everyone["nodisplay.person"].display_name == "Nodisplay Person"
    assert "svc-robot" not in everyone
    assert len(everyone) == len(PEOPLE)


def test_the_cache_key_joins_only_what_a_dc_answers_alike() -> None:
    assert search_key("René") == search_key(unicodedata.normalize("NFD", "René"))
    assert search_key("  groß   jürgen ") == search_key("GROß JÜRGEN")
    assert search_key("Groß") != search_key("Gross")
    assert search_key("İlkay") != search_key("ilkay")
