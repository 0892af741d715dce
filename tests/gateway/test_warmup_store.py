"""``store_people``: the warm-up caches each person as the loaders would read them, with
one entry per person for their four keys and one shared by everyone who manages no one."""

from __future__ import annotations

from connectors.directory import DirectoryPerson, normalise_dn
from gateway.cache import RecordCache
from gateway.settings import CacheSettings
from gateway.warmup import store_people

SUFFIX = "OU=Staff,DC=x"


def person(name: str, manager: str | None = None) -> DirectoryPerson:
    return DirectoryPerson(
        guid=f"GUID-{name}",
        dn=f"CN={name},{SUFFIX}",
        upn=f"{name}@X.test",
        account_name=name.lower(),
        display_name=name,
        manager_dn=f"CN={manager},{SUFFIX}" if manager else None,
    )


async def test_people_are_cached_as_the_loaders_read_them() -> None:
    boss, zoe, amy = person("Boss", "Absent"), person("Zoe", "Boss"), person("Amy", "Boss")
    cache = RecordCache.memory()
    settings = CacheSettings()
    await store_people(cache, [boss, zoe, amy], settings)
    ttl, missing = settings.directory_ttl, settings.missing_ttl

    def read(kind: str, *keys: str) -> list[object] | None:
        return cache.fresh(kind, list(keys), ttl=ttl, missing_ttl=missing)

    assert read("person", "guid-zoe") == [zoe]
    assert read("person-dn", normalise_dn(zoe.dn)) == [zoe]
    assert read("person-upn", "zoe@x.test") == [zoe]
    assert read("person-account", "zoe") == [zoe]
    # A manager's team in name order; no one's team empty; a manager not listed, too.
    team = read("reports", normalise_dn(boss.dn), normalise_dn(zoe.dn), normalise_dn(amy.dn))
    assert team == [[amy, zoe], [], []]
    assert read("reports", normalise_dn(f"CN=Absent,{SUFFIX}")) == [[boss]]
    store = cache.store
    assert store is not None
    kinds = store.kinds
    one = kinds["person"]["guid-zoe"]
    assert all(kinds[k][key] is one for k, key in [
        ("person-dn", normalise_dn(zoe.dn)), ("person-upn", "zoe@x.test"),
        ("person-account", "zoe"),
    ])  # fmt: skip
    assert kinds["reports"][normalise_dn(zoe.dn)] is kinds["reports"][normalise_dn(amy.dn)]
    assert kinds["reports"][normalise_dn(zoe.dn)] is not kinds["reports"][normalise_dn(boss.dn)]
    assert read("people-search", "1|") == [[amy.guid, boss.guid, zoe.guid]]
    assert zoe.manager_dn is boss.dn and amy.manager_dn is boss.dn  # one string for the DN
