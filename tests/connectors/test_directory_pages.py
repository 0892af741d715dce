"""The whole-directory page index: GUIDs in the listing's order, read with a few
attributes, the same people in the same order as the full listing (leavers, the people
rule's excluded OUs and filter honoured), on slapd, the embedded directory and Samba."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from servers import Council
from servers.samba import SambaDC
from servers.slapd import Slapd

from connectors.directory import DirectoryConnector, PeopleRule, open_embedded, open_ldap

EMBEDDED_BASE = "DC=ad,DC=northshire,DC=test"
FINANCE = "OU=Finance,OU=Staff,OU=Northshire"
Opener = Callable[[PeopleRule], DirectoryConnector]
RULES = [PeopleRule(), PeopleRule(excluded_ous=(FINANCE,))]


@pytest.fixture(params=[pytest.param("samba", marks=pytest.mark.samba), "slapd", "embedded"])
async def opener(request: pytest.FixtureRequest, council: Council) -> AsyncIterator[Opener]:
    opened: list[DirectoryConnector] = []

    def make(rule: PeopleRule) -> DirectoryConnector:
        if request.param == "embedded":
            rule = PeopleRule(
                rule.filter, tuple(f"{ou},{EMBEDDED_BASE}" for ou in rule.excluded_ous)
            )
            connector = open_embedded(council.ldif, EMBEDDED_BASE, people_rule=rule)
        else:
            server: SambaDC | Slapd = request.getfixturevalue(request.param)
            base = server.ldap_options().base_dn
            rule = PeopleRule(rule.filter, tuple(f"{ou},{base}" for ou in rule.excluded_ous))
            connector = open_ldap(server.ldap_options(people_rule=rule))
        opened.append(connector)
        return connector

    yield make
    for connector in opened:
        await connector.close()


@pytest.mark.parametrize("rule", RULES, ids=["everyone", "finance-excluded"])
@pytest.mark.parametrize("leavers", [False, True], ids=["current", "with-leavers"])
async def test_the_index_lists_who_the_listing_lists_in_its_order(
    opener: Opener, rule: PeopleRule, leavers: bool
) -> None:
    directory: DirectoryConnector = opener(rule)
    expected = [p.guid for p in await directory.search_people(None, include_leavers=leavers)]
    assert len(expected) > 1500
    before = directory.calls
    assert await directory.people_index(include_leavers=leavers) == expected
    assert directory.calls - before == 1


async def test_leavers_and_excluded_ous_change_the_index(opener: Opener) -> None:
    everyone: DirectoryConnector = opener(RULES[0])
    current = await everyone.people_index()
    with_leavers = await everyone.people_index(include_leavers=True)
    assert set(current) < set(with_leavers)  # the sample council has leavers
    without_finance = await opener(RULES[1]).people_index()
    assert set(without_finance) < set(current)


@pytest.mark.parametrize(
    "text", ["priya", "planning officer", "county hall", "nobody at all", "*", "shah)(cn=*"]
)
async def test_a_search_index_lists_what_the_search_lists(opener: Opener, text: str) -> None:
    directory = opener(RULES[0])
    for leavers in (False, True):
        expected = [p.guid for p in await directory.search_people(text, include_leavers=leavers)]
        assert expected or text in {"nobody at all", "*", "shah)(cn=*"}
        assert await directory.people_index(text, include_leavers=leavers) == expected
    assert await directory.people_index("bad\x00word") == []
