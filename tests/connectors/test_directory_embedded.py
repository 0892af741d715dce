"""The embedded directory answers as Active Directory does, over a real socket.

One set of searches, hostile ones included, runs against the embedded directory and
against the real Samba AD DC loaded with the same LDIF, and both must give the same
entries. The embedded server's own behaviour (binds, paging, ranges, missing bases,
malformed messages) is checked over ldap3 and raw sockets.
"""

from __future__ import annotations

import socket
import unicodedata
from collections.abc import AsyncIterator, Iterator

import ldap3
import pytest
from servers import Council
from servers.samba import SambaDC

from connectors.directory import DirectoryConnector, DirectoryFeatures, open_embedded
from connectors.directory.embedded.server import EmbeddedServer
from connectors.directory.embedded.store import EmbeddedStore
from connectors.directory.errors import DirectoryNotFound
from connectors.directory.factory import EMBEDDED_BIND_DN, EMBEDDED_PASSWORD
from connectors.directory.matching import fold
from connectors.directory.search import paged_search

BASE = "DC=ad,DC=northshire,DC=test"
STAFF = f"OU=Northshire,{BASE}"
ALL_STAFF = f"CN=All Staff,OU=Groups,OU=Northshire,{BASE}"
HELEN = f"CN=Helen Carter,OU=Corporate Leadership,OU=Staff,OU=Northshire,{BASE}"


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# Raw filters, as a client would send them: each is compared between the two servers.
FILTERS = [
    "(objectClass=user)",
    "(&(objectClass=user)(!(objectClass=computer)))",
    "(objectClass=group)",
    "(displayName=*)",
    "(displayName=alex*)",
    "(displayName=*MORGAN)",
    "(displayName=*e*a*n)",
    "(sAMAccountName=alex.morgan)",
    "(sAMAccountName=ALEX.MORGAN)",
    "(|(sAMAccountName=alex.morgan)(sAMAccountName=priya.shah)(sAMAccountName=nobody))",
    # Escapes: a literal star or parenthesis is never a wildcard or a filter.
    r"(displayName=\2a)",
    r"(displayName=*\2a*)",
    r"(title=alex\29\28title=\2a)",
    r"(displayName=\28*)",
    r"(cn=*\5c*)",
    # Unicode: case-insensitive by simple case mapping; NFC and NFD are different values.
    "(displayName=*zoë*)",
    f"(displayName=*{_nfd('zoë')}*)",
    "(displayName=René*)",
    f"(displayName={_nfd('René')}*)",
    "(displayName=RENÉ*)",
    "(displayName=*ß*)",
    "(displayName=*ss*)",
    "(givenName=chloë)",
    # DN-valued attributes compare as DNs; back-links are computed.
    f"(manager={HELEN})",
    f"(manager={HELEN.upper().replace(',', ', ')})",
    "(memberOf=*)",
    "(directReports=*)",
    f"(memberOf={ALL_STAFF})",
    f"(memberOf:1.2.840.113556.1.4.1941:={ALL_STAFF})",
    f"(manager:1.2.840.113556.1.4.1941:={HELEN})",
    # Integers: bitwise rules and order.
    "(userAccountControl:1.2.840.113556.1.4.803:=2)",
    "(!(userAccountControl:1.2.840.113556.1.4.803:=2))",
    "(userAccountControl:1.2.840.113556.1.4.804:=514)",
    "(userAccountControl>=514)",
    "(userAccountControl<=512)",
    "(&(objectClass=user)(|(title=*housing*)(department=*housing*))(displayName=*a*))",
]


def _search(connection: ldap3.Connection, query: str, base: str = STAFF) -> set[str]:
    """The DNs (case folded) of what ``query`` finds under ``base``; OUs have no GUID in
    the LDIF (Samba makes its own), so entries are told apart by DN."""
    entries = connection.extend.standard.paged_search(
        base, query, ldap3.SUBTREE, attributes=["1.1"], paged_size=500, generator=False
    )
    assert connection.result["result"] in (0, 4), (query, connection.result)
    return {e["dn"].casefold() for e in entries if e.get("type") == "searchResEntry"}


@pytest.fixture(scope="module")
def embedded(council: Council) -> Iterator[EmbeddedServer]:
    bind_dn = f"{EMBEDDED_BIND_DN},{BASE}"
    store = EmbeddedStore.from_ldif(
        council.ldif, extra=[(BASE, {"objectClass": ["top", "domain"]})]
    )
    server = EmbeddedServer(store, bind_dn, EMBEDDED_PASSWORD, BASE).start()
    yield server
    server.stop()


def _connect(server: EmbeddedServer, password: str = EMBEDDED_PASSWORD) -> ldap3.Connection:
    return ldap3.Connection(
        ldap3.Server(server.url, get_info=ldap3.NONE),
        f"{EMBEDDED_BIND_DN},{BASE}",
        password,
        auto_bind=False,
        raise_exceptions=False,
        auto_range=False,  # see AD's ranges as they are sent
        return_empty_attributes=False,
    )


@pytest.fixture(scope="module")
def embedded_connection(embedded: EmbeddedServer) -> Iterator[ldap3.Connection]:
    connection = _connect(embedded)
    assert connection.bind()
    yield connection
    connection.unbind()


@pytest.fixture
async def directory(council: Council) -> AsyncIterator[DirectoryConnector]:
    connector = open_embedded(council.ldif, BASE)
    yield connector
    await connector.close()


# -- the embedded server on its own ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (r"(displayName=\2a)", 0),
        (r"(title=alex\29\28title=\2a)", 0),
        ("(sAMAccountName=ALEX.MORGAN)", 1),
        (f"(manager={HELEN.lower()})", None),  # some: Helen's reports
    ],
)
def test_filters_are_evaluated_as_ad_does(
    embedded_connection: ldap3.Connection, query: str, expected: int | None
) -> None:
    found = _search(embedded_connection, query)
    if expected is None:
        assert found
    else:
        assert len(found) == expected


def test_case_folding_is_one_character_to_one() -> None:
    assert fold("Groß") == "GROß"  # not GROSS
    assert fold("İlkay Işık") == "İLKAY IŞIK"  # noqa: RUF001 - dotless i on purpose
    assert fold("ﬁ") == "ﬁ"  # a ligature is not "FI"
    assert fold("Llŷr") == "LLŶR"


async def test_the_connector_finds_nothing_for_hostile_text(
    directory: DirectoryConnector,
) -> None:
    assert await directory.search_people("*") == []
    assert await directory.search_people("alex)(title=*") == []
    assert await directory.search_people("\\2a") == []
    assert {p.account_name for p in await directory.search_people("alex morgan")} == {"alex.morgan"}


def test_big_groups_come_in_ranges_and_are_read_whole() -> None:
    people = [
        (f"CN=Person {i},OU=Big,{BASE}", {"objectClass": ["user"], "cn": [f"Person {i}"]})
        for i in range(3200)
    ]
    group = (f"CN=Big,{BASE}", {"objectClass": ["group"], "member": [dn for dn, _ in people]})
    store = EmbeddedStore([(BASE, {"objectClass": ["domain"]}), *people, group])
    bind_dn = f"{EMBEDDED_BIND_DN},{BASE}"
    server = EmbeddedServer(store, bind_dn, EMBEDDED_PASSWORD, BASE).start()
    try:
        connection = _connect(server)
        assert connection.bind()
        connection.search(f"CN=Big,{BASE}", "(objectClass=*)", ldap3.BASE, attributes=["member"])
        (entry,) = connection.response
        assert list(entry["raw_attributes"]) == ["member;range=0-1499"]  # AD's MaxValRange
        connection.search(
            f"CN=Big,{BASE}", "(objectClass=*)", ldap3.BASE, attributes=["member;range=1500-*"]
        )
        assert list(connection.response[0]["raw_attributes"]) == ["member;range=1500-2999"]
        connection.search(
            f"CN=Big,{BASE}", "(objectClass=*)", ldap3.BASE, attributes=["member;range=3000-*"]
        )
        (last,) = connection.response[0]["raw_attributes"].items()
        assert last[0] == "member;range=3000-*" and len(last[1]) == 200
        # The connector's search loop follows the ranges to the end.
        whole = ldap3.Connection(
            ldap3.Server(server.url, get_info=ldap3.NONE),
            bind_dn,
            EMBEDDED_PASSWORD,
            auto_bind=True,
            auto_range=False,
            return_empty_attributes=False,
        )
        (found,) = paged_search(whole, f"CN=Big,{BASE}", "(objectClass=*)", ["member"],
                                page_size=100, scope=ldap3.BASE)  # fmt: skip
        members = next(v for k, v in found["raw_attributes"].items() if k.startswith("member"))
        assert len(members) == len(set(members)) == 3200
    finally:
        server.stop()


async def test_in_chain_features_work_on_the_embedded_directory(council: Council) -> None:
    plain = open_embedded(council.ldif, BASE)
    chained = open_embedded(
        council.ldif,
        BASE,
        features=DirectoryFeatures(nested_groups="in_chain", reports_via="directReports"),
    )
    try:
        walk = (await plain.members_of([ALL_STAFF]))[ALL_STAFF]
        chain = (await chained.members_of([ALL_STAFF]))[ALL_STAFF]
        assert {p.guid for p in walk} == {p.guid for p in chain}
        assert chained.calls < plain.calls
    finally:
        await plain.close()
        await chained.close()


async def test_a_missing_base_is_no_such_object(council: Council) -> None:
    connector = open_embedded(council.ldif, f"OU=Nowhere,{BASE}")
    try:
        with pytest.raises(DirectoryNotFound):
            await connector.ping()
    finally:
        await connector.close()


def test_a_wrong_password_is_refused_and_unbound_searches_fail(embedded: EmbeddedServer) -> None:
    wrong = _connect(embedded, "not the password")
    assert not wrong.bind()
    assert wrong.result["result"] == 49
    anonymous = ldap3.Connection(ldap3.Server(embedded.url, get_info=ldap3.NONE))
    anonymous.open()
    anonymous.search(BASE, "(objectClass=user)", attributes=["cn"])
    assert anonymous.result["result"] == 1
    assert not anonymous.response
    anonymous.unbind()


def test_garbage_closes_the_connection_and_the_server_keeps_serving(
    embedded: EmbeddedServer, embedded_connection: ldap3.Connection
) -> None:
    for garbage in (b"\x30\x84\xff\xff\xff\xff", b"\x30\x03\x02\x01", b"GET / HTTP/1.1\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", embedded.port), timeout=5) as sock:
            sock.sendall(garbage)
            sock.shutdown(socket.SHUT_WR)
            assert sock.recv(100) == b""  # closed, nothing answered
    assert _search(embedded_connection, "(sAMAccountName=alex.morgan)")


def test_paging_returns_every_entry_once(embedded_connection: ldap3.Connection) -> None:
    whole = _search(embedded_connection, "(objectClass=user)")
    pages = embedded_connection.extend.standard.paged_search(
        STAFF, "(objectClass=user)", attributes=["1.1"], paged_size=7, generator=False
    )
    dns = [e["dn"].casefold() for e in pages if e["type"] == "searchResEntry"]
    assert len(dns) == len(set(dns)) == len(whole) > 1000


def test_attributes_sent_again_are_the_same() -> None:
    """Whole attributes are encoded once and reused: a second search, a ranged one, one for
    every attribute and one for types only still send exactly what was asked."""
    people = [f"CN=Person {i},OU=Big,{BASE}" for i in range(1600)]
    group = {"objectClass": ["group"], "cn": ["Big"], "member": people}
    store = EmbeddedStore([(BASE, {"objectClass": ["domain"]}), (f"CN=Big,{BASE}", group)])
    server = EmbeddedServer(store, f"{EMBEDDED_BIND_DN},{BASE}", EMBEDDED_PASSWORD, BASE).start()
    connection = _connect(server)
    assert connection.bind()

    def raw(attributes: list[str], types_only: bool = False) -> dict[str, list[bytes]]:
        connection.search(
            f"CN=Big,{BASE}", "(objectClass=*)", ldap3.BASE, attributes=attributes,
            types_only=types_only,
        )  # fmt: skip
        (entry,) = connection.response
        return dict(entry["raw_attributes"])

    try:
        first = raw(["member", "cn"])
        assert raw(["member", "cn"]) == first
        assert first["member;range=0-1499"] == [p.encode() for p in people[:1500]]
        assert first["cn"] == [b"Big"]
        assert raw(["member;range=1500-*"]) == {
            "member;range=1500-*": [p.encode() for p in people[1500:]]
        }
        assert list(raw(["cn"], types_only=True).items()) == [("cn", None)]  # no values
        everything = raw(["*"])
        assert everything["cn"] == [b"Big"] and everything["member;range=0-1499"]
        assert raw(["cn"]) == {"cn": [b"Big"]}
    finally:
        connection.unbind()
        server.stop()


# -- the same searches on Samba ---------------------------------------------------------------


@pytest.mark.samba
@pytest.mark.parametrize("query", FILTERS)
def test_the_embedded_directory_answers_as_samba_does(
    samba: SambaDC, embedded_connection: ldap3.Connection, query: str, council: Council
) -> None:
    dc = _samba_connection(samba)
    mine, theirs = _search(embedded_connection, query), _search(dc, query)
    assert mine == theirs, (query, len(mine), len(theirs), sorted(mine ^ theirs)[:5])


_samba_connections: dict[int, ldap3.Connection] = {}


def _samba_connection(samba: SambaDC) -> ldap3.Connection:
    key = id(samba)
    if key not in _samba_connections:
        _samba_connections[key] = samba.ldaps_connection(samba.bind_user, samba.password)
    return _samba_connections[key]
