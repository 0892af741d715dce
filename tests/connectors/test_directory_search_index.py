"""People search from the connector's own index lists the same people, in the same order,
as the directory's own search: on the embedded directory (AD's matching rule) with the
sample council and real names added (Groß, İlkay, René in NFC and NFD, an account whose
cn is not its display name, a multi-valued title), and on a real slapd (OpenLDAP's rule);
for many texts, hostile ones included. A change-feed round is seen by the next search;
an index past its age is read again; where the index cannot answer exactly, the
directory is asked."""

from __future__ import annotations

import asyncio
import random
import unicodedata
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import ldap3
import pytest
from servers import Council
from servers.scratch import scratch_ou
from servers.slapd import Slapd

from connectors.directory import (
    DirectoryChanges,
    DirectoryConnector,
    DirectoryFeatures,
    LdapOptions,
    PeopleRule,
    PeopleWhere,
    open_ldap,
)
from connectors.directory.embedded.server import EmbeddedServer
from connectors.directory.embedded.store import EmbeddedStore
from connectors.directory.factory import EMBEDDED_BIND_DN, EMBEDDED_PASSWORD
from connectors.directory.listing import MAX_SEARCH_WORDS

BASE = "DC=ad,DC=northshire,DC=test"
NAMES_OU = f"OU=Names,OU=Staff,OU=Northshire,{BASE}"
NFD = unicodedata.normalize

# (cn, account, displayName or None, extra attributes)
EXTRA: list[tuple[str, str, str | None, dict[str, list[str]]]] = [
    ("Jürgen Groß", "jurgen.gross", "Jürgen Groß", {"title": ["Straßen Officer"]}),
    ("İlkay Işık", "ilkay.isik", "İlkay Işık", {}),  # noqa: RUF001 - dotless i on purpose
    ("René Lefèvre", "rene.lefevre", "René Lefèvre", {"mail": ["René.L@northshire.test"]}),
    ("René Dubois", "rene.dubois", NFD("NFD", "René Dubois"), {}),
    ("Yoshida Taro", "yoshida.taro", "𠮷田 太郎", {}),  # found by cn only
    ("Nodisplay Person", "nodisplay.person", None, {}),
    ("Multi Valued", "multi.valued", "Multi Valued", {"title": ["Gardener", "Beekeeper"]}),
    ("Ctrl Char", "ctrl.char", "Ctrl Char", {"title": ["Night\nWatch"]}),
]

HOSTILE = ["*", "(", ")", "\\", "*)(cn=*", "a\x00b", "bad\x01word", "tab\tword",
           "x" * 1025, "\u0301", "ﬁ", "%", "**"]  # fmt: skip
AD_TEXTS = [
    "Groß", "GROß", "gross", "straßen", "İlkay", "ilkay", "Işık", "ışık", "René",  # noqa: RUF001
    NFD("NFD", "René"), "RENÉ", "ren", "e", NFD("NFD", "é"), "ne", "𠮷田", "Yoshida",
    "Nodisplay", "Beekeeper", "Gardener", "night", "Watch", "NightWatch", "rene.l",
    "rené.l", "ctrl.", "multi.valued", "multi", "r", "nobody-at-all",
]  # fmt: skip


def _sample_texts(people: list[Any], seed: int = 15) -> list[str]:
    """What people type: whole names, parts of words, titles, departments, offices,
    account and mail prefixes, several words, in many cases."""
    rng = random.Random(seed)
    picked = rng.sample(people, 12)
    texts: list[str] = []
    for p in picked:
        name = p.display_name
        word = rng.choice(name.split())
        start = rng.randrange(max(1, len(word) - 2))
        texts += [name, name.upper(), word[start : start + 3], word.lower()]
        texts += [t for t in (p.title, p.department, p.office) if t]
        if p.account_name:
            texts.append(p.account_name[: rng.randint(2, len(p.account_name))])
        if p.mail:
            texts.append(p.mail[: rng.randint(3, len(p.mail))].upper())
        if p.title and p.department:
            texts.append(f"{p.title.split()[0]} {p.department.split()[-1]}")
    texts.append(" ".join(["a"] * (MAX_SEARCH_WORDS + 3)) + " zzzz")  # the extra words ignored
    texts.append("officer " * MAX_SEARCH_WORDS + "unmatchable")
    return texts


async def _same_as_the_directory(d: DirectoryConnector, text: str, *, indexed: bool) -> None:
    for leavers in (False, True):
        expected = [p.guid for p in await d.search_people(text, include_leavers=leavers)]
        found = await d.indexed_search(text, include_leavers=leavers)
        if indexed:
            # A word beyond ASCII is the directory's to answer (its own case table).
            asked = text.split()[:MAX_SEARCH_WORDS]
            if all(w.isascii() for w in asked) or not all(w.isprintable() for w in asked):
                assert found == expected, (text, leavers)
            else:
                assert found is None, (text, leavers)
        assert await d.people_index(text, include_leavers=leavers) == expected, (text, leavers)


def _embedded_entries() -> list[tuple[str, dict[str, list[Any]]]]:
    entries: list[tuple[str, dict[str, list[Any]]]] = [
        (NAMES_OU, {"objectClass": ["top", "organizationalUnit"]})
    ]
    for cn, account, display, extra in EXTRA:
        attributes: dict[str, list[Any]] = {
            "objectClass": ["top", "person", "organizationalPerson", "user"],
            "cn": [cn],
            "sAMAccountName": [account],
            "userAccountControl": ["512"],
            "objectGUID": [uuid.uuid4().bytes_le],
            **extra,
        }
        if display is not None:
            attributes["displayName"] = [display]
        entries.append((f"CN={cn},{NAMES_OU}", attributes))
    return entries


@pytest.fixture(scope="module")
def embedded_server(council: Council) -> Iterator[EmbeddedServer]:
    bind_dn = f"{EMBEDDED_BIND_DN},{BASE}"
    account = {"objectClass": ["top", "person"], "cn": ["Townhall Embedded"]}
    root = {"objectClass": ["top", "domain", "domainDNS"]}
    extra = [(BASE, root), (bind_dn, account), *_embedded_entries()]
    store = EmbeddedStore.from_ldif(council.ldif, extra=extra)
    server = EmbeddedServer(store, bind_dn, EMBEDDED_PASSWORD, BASE).start()
    yield server
    server.stop()


@pytest.fixture
async def embedded(embedded_server: EmbeddedServer) -> AsyncIterator[DirectoryConnector]:
    connectors: list[DirectoryConnector] = []

    def make(**options: Any) -> DirectoryConnector:
        values: dict[str, Any] = {
            "url": embedded_server.url,
            "bind_dn": f"{EMBEDDED_BIND_DN},{BASE}",
            "password": EMBEDDED_PASSWORD,
            "base_dn": BASE,
            "allow_plain": True,
            **options,
        }
        connectors.append(open_ldap(LdapOptions(**values)))
        return connectors[-1]

    yield make()
    for c in connectors:
        await c.close()


async def test_the_index_lists_what_the_embedded_directory_lists(
    embedded: DirectoryConnector,
) -> None:
    everyone = await embedded.search_people(None, include_leavers=True)
    assert len(everyone) > 1500
    texts = [*AD_TEXTS, *_sample_texts(everyone)]
    for text in texts:
        await _same_as_the_directory(embedded, text, indexed=True)
    assert embedded.index.builds == 1
    assert embedded.index.match_rule == "ad"
    # The index answers without a directory call once read.
    before = embedded.calls
    assert await embedded.indexed_search("helen.carter")
    assert await embedded.indexed_search("planning officer")  # a confirming search at most
    assert embedded.calls <= before + 1


@pytest.mark.parametrize("text", HOSTILE, ids=repr)
async def test_hostile_text_finds_what_the_directory_finds(
    embedded: DirectoryConnector, text: str
) -> None:
    await _same_as_the_directory(embedded, text, indexed=True)


async def test_real_names_are_found_as_a_dc_finds_them(embedded: DirectoryConnector) -> None:
    added = {account for _, account, _, _ in EXTRA}

    async def accounts(text: str) -> set[str]:
        """The added people found (the council has Renées of its own): by the index for
        ASCII words, by the directory for others (the index declines them)."""
        guids = await embedded.indexed_search(text)
        if not text.isascii():
            assert guids is None
            guids = await embedded.people_index(text)
        assert guids is not None
        found = {p.account_name or "" for p in await embedded.people_by("guid", guids) if p}
        return found & added

    assert await accounts("René") == {"rene.lefevre", "rene.dubois"}
    assert await accounts(NFD("NFD", "RENÉ")) == {"rene.lefevre", "rene.dubois"}
    assert await accounts("gross") == set()  # ß is not ss to a DC
    assert await accounts("Yoshida") == {"yoshida.taro"}  # by cn
    assert await accounts("beekeeper") == {"multi.valued"}  # any value of a title
    assert await accounts("NightWatch") == set()  # a value's control character splits it
    assert await accounts("valued") == {"multi.valued"}  # in the name, not as an account prefix
    assert await accounts("ulti.v") == set()  # an account matches only from its start


async def test_where_anr_and_a_people_filter_ask_the_directory(
    embedded_server: EmbeddedServer,
) -> None:
    def make(**options: Any) -> DirectoryConnector:
        return open_ldap(
            LdapOptions(
                url=embedded_server.url,
                bind_dn=f"{EMBEDDED_BIND_DN},{BASE}",
                password=EMBEDDED_PASSWORD,
                base_dn=BASE,
                allow_plain=True,
                **options,
            )
        )

    anr = make(features=DirectoryFeatures(anr=True))
    filtered = make(people_rule=PeopleRule(filter="(title=*)"))
    plain = make()
    try:
        for d in (anr, filtered):
            assert await d.indexed_search("priya") is None
            await _same_as_the_directory(d, "priya", indexed=False)
        where = PeopleWhere(department="Planning")
        before = plain.calls
        expected = [p.guid for p in await plain.search_people("officer", where=where)]
        assert await plain.people_index("officer", where=where) == expected
        assert plain.calls - before == 2  # both from the directory
    finally:
        for d in (anr, filtered, plain):
            await d.close()


async def test_excluded_ous_are_left_out_as_the_directory_leaves_them(
    embedded_server: EmbeddedServer,
) -> None:
    finance = f"OU=Finance,OU=Staff,OU=Northshire,{BASE}"
    d = open_ldap(
        LdapOptions(
            url=embedded_server.url,
            bind_dn=f"{EMBEDDED_BIND_DN},{BASE}",
            password=EMBEDDED_PASSWORD,
            base_dn=BASE,
            allow_plain=True,
            people_rule=PeopleRule(excluded_ous=(finance,)),
        )
    )
    try:
        everyone = await d.search_people(None)
        assert not any(p.dn.endswith(finance) for p in everyone)
        for text in ("finance", "officer", "a", "priya"):
            await _same_as_the_directory(d, text, indexed=True)
    finally:
        await d.close()


# -- slapd ---------------------------------------------------------------------------------

SLAPD_PEOPLE = [  # (cn, uid, displayName, title)
    ("Jurgen Gross", "jurgen.gross", "Jürgen Groß", "Straßen Officer"),
    ("Ilkay Isik", "ilkay.isik", "İlkay Işık", "Officer"),  # noqa: RUF001
    ("Rene Dubois", "rene.dubois", NFD("NFD", "René Dubois"), "Officer"),
    ("Fish Finder", "fish.finder", "ﬁsh ﬁnder", "Kelvin \u212aeeper"),
    ("Spaced Out", "spaced.out", "  Spaced   Out  ", "Night  Porter"),
    ("Zed Quux", "zed.quux", "Zebedee Quux", "Lighthouse Keeper"),
]
SLAPD_TEXTS = [
    "gross", "GROSS", "Groß", "ss", "strassen", "ilkay", "İlkay", "isik", "rene", "René",
    NFD("NFD", "René"), "ne", "fish", "fi", "ﬁsh", "keeper", "k", "KEEPER", "spaced", "out",
    "night porter", "zed", "quux", "zebedee quux", "zed.q", "fish.finder", "ish.f",
]  # fmt: skip


@pytest.fixture
def slapd_scratch(slapd: Slapd) -> Iterator[tuple[ldap3.Connection, str]]:
    conn = ldap3.Connection(
        ldap3.Server(slapd.url, get_info=ldap3.NONE), slapd.admin_dn, slapd.admin_password,
        auto_bind=True,
    )  # fmt: skip
    with scratch_ou(conn, f"OU=Staff,OU=Northshire,{slapd.base_dn}", "Search") as ou:
        yield conn, ou


def _add(conn: ldap3.Connection, ou: str, cn: str, uid: str, display: str, title: str) -> str:
    dn = f"cn={cn},{ou}"
    classes = ["top", "person", "organizationalPerson", "inetOrgPerson"]
    attributes = {"sn": cn, "displayName": display, "uid": uid, "title": title,
                  "mail": f"{uid}@northshire.test"}  # fmt: skip
    assert conn.add(dn, classes, attributes), conn.result
    return dn


async def test_the_index_lists_what_slapd_lists(
    slapd: Slapd, slapd_scratch: tuple[ldap3.Connection, str]
) -> None:
    conn, ou = slapd_scratch
    for person in SLAPD_PEOPLE[:-1]:
        _add(conn, ou, *person)
    d = open_ldap(slapd.ldap_options())
    try:
        everyone = await d.search_people(None, include_leavers=True)
        for text in [*SLAPD_TEXTS, *HOSTILE, *_sample_texts(everyone, seed=16)]:
            # OpenLDAP's rule is reproduced for ASCII words; others go to the server.
            ascii_only = text.isascii() or not text.isprintable() or len(text) > 1024
            await _same_as_the_directory(d, text, indexed=ascii_only)
        assert d.index.match_rule == "openldap"
        assert await d.indexed_search("René") is None
        assert d.index.builds == 1
    finally:
        await d.close()


async def test_a_change_feed_round_is_seen_by_the_next_search(
    slapd: Slapd, slapd_scratch: tuple[ldap3.Connection, str]
) -> None:
    conn, ou = slapd_scratch
    d = open_ldap(slapd.ldap_options(features=DirectoryFeatures(change_tracking="timestamp")))
    try:
        # The feed's checkpoint is the newest change seen: make it this test's own, past
        # the second the directory was loaded in.
        await asyncio.sleep(1.1)
        _add(conn, ou, "Anchor Person", "anchor.person", "Anchor Person", "Anchor")
        await asyncio.sleep(1.1)
        start = await d.change_checkpoint()
        assert await d.indexed_search("zebedee") == []
        await asyncio.sleep(1.1)
        dn = _add(conn, ou, *SLAPD_PEOPLE[-1])
        assert await d.indexed_search("zebedee") == []  # no feed round yet
        before = d.calls
        joined = await d.changes_since(start)
        # The round: its own search (counted twice, as changes_since counts itself) and
        # one search by GUID reading its changed people's search text again.
        assert d.calls - before == 3
        assert len(joined.people) == 2  # the anchor (the checkpoint's second) and Zed
        [guid] = [p.guid for p in await d.search_people("zebedee")]
        before = d.calls
        assert await d.indexed_search("zebedee") == [guid]
        assert await d.indexed_search("zed") == [guid]  # by cn: read again by GUID
        assert d.calls == before  # the searches after the round ask the directory nothing
        assert d.index.builds == 1
        await asyncio.sleep(1.1)
        change = {"title": [(ldap3.MODIFY_REPLACE, ["Harbour Master"])]}
        assert conn.modify(dn, change), conn.result
        await d.changes_since(joined.checkpoint)
        assert await d.indexed_search("lighthouse") == []
        assert await d.indexed_search("harbour master") == [guid]
        # Everyone else's lines carried over from the text joined before the changes.
        for text in ("harbour", "officer", "planning", "e"):
            await _same_as_the_directory(d, text, indexed=True)
        # A round applied without the connector's own refresh (as when its read failed):
        # the next search reads the changed person's text again first.
        [record] = await d.people_by("guid", [guid])
        assert record is not None
        d.index.apply(DirectoryChanges(people=[record], checkpoint="x"))
        assert d.index.pending == {guid}
        before = d.calls
        assert await d.indexed_search("zed") == [guid]  # cn, which the record lacks
        assert d.calls - before == 1 and not d.index.pending
        # Removed: the timestamp feed cannot see deletions; a USN or DirSync round says so.
        assert conn.delete(dn), conn.result
        d.index.apply(DirectoryChanges(people=[], removed=[guid], checkpoint="x"))
        assert await d.indexed_search("harbour") == []
        await _same_as_the_directory(d, "harbour", indexed=True)
        assert d.index.builds == 1
        # Past its age the index is read whole again, and sees what no feed reported.
        _add(conn, ou, "Late Comer", "late.comer", "Late Comer", "Harbour Pilot")
        assert await d.indexed_search("harbour") == []
        d.index.max_age = 0.0
        [late] = [p.guid for p in await d.search_people("harbour")]
        assert await d.indexed_search("harbour") == [late]
        assert d.index.builds >= 2
    finally:
        await d.close()


def test_the_letters_a_case_table_maps_onto_ascii_are_all_known() -> None:
    """A value without them compares alike at any DC for an ASCII word; a Python whose
    Unicode tables add one must add it to the list."""
    import sys

    from connectors.directory.search_index import _RISKY

    found = {
        c
        for c in map(chr, range(0x80, sys.maxunicode + 1))
        if any(x.isascii() and x.isalnum() for x in c.upper() + c.lower() + c.casefold())
    }
    assert found == _RISKY


def test_letters_some_dc_takes_for_ascii_make_a_person_doubtful() -> None:
    """Full-width letters (a Windows DC compares width-insensitively), the dotless i, sharp
    s: a person holding one is confirmed by the DC; accents alone compare exactly."""
    from connectors.directory.search_index import DOUBTFUL, normalise, row_text

    for name in ("\uff21\uff4c\uff45\uff58 Smith", "I\u015f\u0131k", "Gro\u00df"):
        assert row_text("ad", [name], [], []).startswith(DOUBTFUL), name
    assert normalise("ad", "\uff21\uff4c\uff45\uff58 Smith") == "ALEX SMITH"
    assert not row_text("ad", ["Siobh\u00e1n Zo\u00eb"], ["siobhan"], []).startswith(DOUBTFUL)
    assert normalise("ad", "Siobh\u00e1n") == "SIOBH\u00c1N"


async def test_too_many_to_confirm_and_the_directory_answers(
    embedded: DirectoryConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Doubtful matches past the limit are not confirmed one search at a time: the
    directory answers the whole search instead, with the same people."""
    from connectors.directory import listing

    assert await embedded.indexed_search("gross") == []  # Groß: confirmed, and not ss
    monkeypatch.setattr(listing, "CONFIRM_LIMIT", 0)
    assert await embedded.indexed_search("gross") is None
    await _same_as_the_directory(embedded, "gross", indexed=False)
