"""People search from the connector's in-memory index against a real Samba AD DC: the same
people, in the same order, as the DC's own `*word*` search, for the sample council and for
names whose case and normal form a DC compares in its own way (added in a throwaway OU)."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from servers.samba import SambaDC
from servers.scratch import scratch_ou

from connectors.directory import DirectoryConnector, DirectoryFeatures, open_ldap

from .test_directory_search_index import AD_TEXTS, HOSTILE, _same_as_the_directory, _sample_texts

pytestmark = pytest.mark.samba

NFD = unicodedata.normalize

# (cn, account, displayName, extra attributes): the embedded tests' hard names, on a DC.
NAMES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("Jürgen Groß", "jurgen.gross", "Jürgen Groß", {"title": "Straßen Officer"}),
    ("İlkay Işık", "ilkay.isik", "İlkay Işık", {}),  # noqa: RUF001 - dotless i on purpose
    ("René Lefèvre", "rene.lefevre", "René Lefèvre", {"mail": "René.L@northshire.test"}),
    ("René Dubois", "rene.dubois", NFD("NFD", "René Dubois"), {}),
    ("Multi Valued", "multi.valued", "Multi Valued", {"title": "Beekeeper"}),
]


@pytest.fixture
def names_ou(samba: SambaDC) -> Iterator[str]:
    conn = samba.ldaps_connection(
        samba.admin_user, samba.admin_password, auto_range=False, return_empty_attributes=False
    )
    with scratch_ou(conn, f"OU=Staff,OU=Northshire,{samba.base_dn}", "Index") as ou:
        for cn, account, display, extra in NAMES:
            attrs = {
                "objectClass": ["top", "person", "organizationalPerson", "user"],
                "sAMAccountName": account,
                "displayName": display,
                "userAccountControl": 512,
                **extra,
            }
            assert conn.add(f"CN={cn},{ou}", attributes=attrs), conn.result
        yield ou


@pytest.fixture
async def directory(samba: SambaDC, names_ou: str) -> AsyncIterator[DirectoryConnector]:
    connector = open_ldap(samba.ldap_options(features=DirectoryFeatures()))
    yield connector
    await connector.close()


async def test_the_index_lists_what_samba_lists(directory: DirectoryConnector) -> None:
    everyone = await directory.search_people(None, include_leavers=True)
    assert len(everyone) > 1500
    for text in [*AD_TEXTS, *HOSTILE, *_sample_texts(everyone)]:
        await _same_as_the_directory(directory, text, indexed=True)
    assert directory.index.match_rule == "ad"
    # Read once, then a search is answered without a directory call; one whose matches
    # include someone with letters beyond ASCII has them confirmed by one search.
    before = directory.calls
    assert await directory.indexed_search("helen.carter")
    assert directory.calls == before
    assert await directory.indexed_search("gross") == []  # Groß: ß is not ss to a DC
    assert directory.calls == before + 1
    assert await directory.indexed_search("Groß") is None  # the DC's own case table
