"""A people filter as LDAP clauses: every value escaped, both Unicode spellings, the
in-chain rule where the directory expands groups, and one cache key per filter a DC
answers alike. (The gateway tests run these clauses against the embedded directory.)"""

from __future__ import annotations

import unicodedata

import pytest

from connectors.directory import AttributeMap, DirectoryFeatures, DirectoryRejected, PeopleWhere
from connectors.directory.where import KEY_SEPARATOR, people_search_key

AD = AttributeMap()
GROUP = "CN=Data (Protection) Champions,OU=Groups,DC=ad,DC=test"


def test_values_are_escaped_and_never_wildcards() -> None:
    where = PeopleWhere(department="Housing)(department=*", title_words=("*",), office="a\\b")
    clauses = where.clauses(AD, DirectoryFeatures())
    assert "(department=Housing\\29\\28department=\\2a)" in clauses
    assert "(title=*\\2a*)" in clauses
    assert "(physicalDeliveryOfficeName=a\\5cb)" in clauses


def test_both_spellings_of_a_value_are_asked_for() -> None:
    nfc = unicodedata.normalize("NFC", "René")
    nfd = unicodedata.normalize("NFD", "René")
    clauses = PeopleWhere(office=nfc).clauses(AD, DirectoryFeatures())
    assert clauses == f"(|(physicalDeliveryOfficeName={nfc})(physicalDeliveryOfficeName={nfd}))"
    assert PeopleWhere(office="Kingsford").clauses(AD, DirectoryFeatures()) == (
        "(physicalDeliveryOfficeName=Kingsford)"
    )


def test_group_membership_uses_the_in_chain_rule_where_the_dc_expands_groups() -> None:
    where = PeopleWhere(group_dn=GROUP, manager_dn="CN=Boss,DC=ad,DC=test")
    chained = where.clauses(AD, DirectoryFeatures(nested_groups="in_chain"))
    assert "(memberOf:1.2.840.113556.1.4.1941:=CN=Data \\28Protection\\29 Champions," in chained
    assert "(manager=CN=Boss,DC=ad,DC=test)" in chained
    assert "(memberOf=CN=Data \\28Protection\\29" in where.clauses(AD, DirectoryFeatures())
    with pytest.raises(DirectoryRejected):
        where.clauses(AttributeMap(member_of=""), DirectoryFeatures())


def test_one_cache_key_for_filters_a_dc_answers_alike() -> None:
    a = PeopleWhere(department="Housing", title_words=("Officer", "housing"))
    b = PeopleWhere(department="HOUSING", title_words=("housing", "OFFICER"))
    assert a.normalised() == b.normalised()
    assert a.normalised() != PeopleWhere(department="Planning").normalised()
    # Python's casefold would make these equal; AD's simple case mapping does not.
    assert PeopleWhere(office="Groß").normalised() != PeopleWhere(office="GROSS").normalised()
    assert PeopleWhere.decode(a.encode()) == a
    assert (
        not PeopleWhere() and people_search_key("a  b", include_leavers=True, where=None) == "1|a b"
    )
    key = people_search_key("x", include_leavers=False, where=a)
    assert key.split(KEY_SEPARATOR) == ["0|x", a.encode()]
