"""Records kept by the in-memory cache are made lighter without changing any value:
fields-sets shared between records given the same fields, repeated values one string."""

from __future__ import annotations

import sys

from connectors.directory import DirectoryPerson
from connectors.hr import HRRecord
from gateway.cache import RecordCache
from gateway.compact import Compactor, share_equal


def person(n: int, **extra: str | None) -> DirectoryPerson:
    # Each string built at run time: equal values, distinct objects, as read from LDAP.
    return DirectoryPerson(
        guid=f"guid-{n}",
        dn=f"CN=P{n},OU=Staff,DC=x",
        display_name=f"Person {n}",
        title="".join(["Social ", "Worker"]),
        department="".join(["Adult ", "Care"]),
        **extra,
    )


def test_equal_fields_sets_and_repeated_values_are_shared_and_nothing_changes() -> None:
    a, b, c = person(1), person(2), person(3, mail="p3@x")
    before = [(r.model_dump(), r.model_dump(exclude_unset=True)) for r in (a, b, c)]
    assert a.title is not b.title and a.model_fields_set is not b.model_fields_set
    compactor = Compactor()
    for record in (a, b, c, a):  # a twice: a person is cached under several keys
        compactor.compact(record)
    assert [(r.model_dump(), r.model_dump(exclude_unset=True)) for r in (a, b, c)] == before
    assert a.model_fields_set is b.model_fields_set  # given the same fields
    assert c.model_fields_set is not a.model_fields_set and "mail" in c.model_fields_set
    assert a.title is b.title is c.title and a.department is b.department
    assert a.display_name != b.display_name  # not pooled: unique to each person
    assert a == person(1) and hash(a) == hash(person(1))
    # The values in a key-sharing dict: smaller than the dict pydantic made, same contents.
    assert sys.getsizeof(a.__dict__) < sys.getsizeof(person(1).__dict__)
    assert a.__dict__ == person(1).__dict__ and list(a.__dict__) == list(person(1).__dict__)


def test_a_copy_with_changes_leaves_the_shared_set_alone() -> None:
    a, b = person(1), person(2)
    compactor = Compactor()
    compactor.compact([a, b])  # lists of records (reports, groups) are walked
    assert a.model_fields_set is b.model_fields_set
    changed = a.model_copy(update={"mail": "new@x"})
    assert "mail" in changed.model_fields_set
    assert "mail" not in a.model_fields_set and "mail" not in b.model_fields_set


async def test_the_memory_cache_keeps_compacted_records() -> None:
    cache = RecordCache.memory()
    first = HRRecord(scim_id="1", grade="".join(["P", "O3"]), work_location="".join(["Ha", "ll"]))
    second = HRRecord(scim_id="2", grade="".join(["P", "O3"]), work_location="".join(["Ha", "ll"]))
    await cache.set_many("hr", {"1": first, "2": second}, ttl=60, missing_ttl=60)
    found = cache.fresh("hr", ["1", "2"], ttl=60, missing_ttl=60)
    assert found is not None and found == [first, second]
    one, two = found
    assert one.grade is two.grade and one.work_location is two.work_location
    assert one.model_fields_set is two.model_fields_set
    await cache.close()


def test_equal_values_within_a_record_become_one_string() -> None:
    a = person(1, mail="".join(["p1@", "x"]), upn="".join(["p1", "@x"]))
    assert a.mail == a.upn and a.mail is not a.upn
    Compactor().compact(a)
    assert a.mail is a.upn and a.mail == "p1@x"


def test_share_equal_puts_one_string_in_place_of_an_equal_one_only() -> None:
    a = person(1, manager_dn="".join(["CN=Boss,", "DC=x"]))
    boss_dn = "".join(["CN=Boss", ",DC=x"])
    share_equal(a, "manager_dn", boss_dn)
    assert a.manager_dn is boss_dn
    share_equal(a, "manager_dn", "CN=Other,DC=x")  # not equal: left as it is
    assert a.manager_dn is boss_dn
