"""Photos: cached as records with their ETag, cacheable by the browser, and never offered
when there is none (``hasPhoto``, a null ``photoUrl``). Against the demo gateway (the
embedded directory over LDAP) and, for the JSON form of the record, a real Redis."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from servers import Council
from servers.gateway import Gateway
from servers.redis import RedisServer

from gateway.cache import RecordCache
from gateway.directory_sync import DirectorySync
from gateway.photos import PhotoRecord, load_photo
from schema.ids import global_id

QUERY = "query($a: String) { person(account: $a) { id hasPhoto photoUrl } }"


def pick(council: Council, has_photo: bool) -> dict[str, Any]:
    return next(
        p
        for p in council.people
        if p["hasPhoto"] == has_photo and p["hasAd"] and p["enabled"] and p["role"] == "officer"
    )


async def person(gateway: Gateway, account: str) -> dict[str, Any]:
    body = await gateway.query(QUERY, {"a": account}, user="alex.morgan")
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["person"]
    return found


def directory_calls(gateway: Gateway) -> int:
    return int(gateway.calls()["directory"])


async def test_has_photo_and_photo_url_follow_the_directory(
    demo_gateway: Gateway, council: Council
) -> None:
    with_photo = await person(demo_gateway, pick(council, True)["sAMAccountName"])
    without = await person(demo_gateway, pick(council, False)["sAMAccountName"])
    assert with_photo["hasPhoto"] is True
    assert with_photo["photoUrl"].startswith(f"{demo_gateway.url}/photos/")
    assert without == {"id": without["id"], "hasPhoto": False, "photoUrl": None}


async def test_a_warm_photo_costs_no_directory_call(
    demo_gateway: Gateway, council: Council
) -> None:
    subject = pick(council, True)
    url = (await person(demo_gateway, subject["sAMAccountName"]))["photoUrl"]
    await demo_gateway.clear_cache()
    async with demo_gateway.client() as client:
        before = directory_calls(demo_gateway)
        cold = await client.get(url)
        middle = directory_calls(demo_gateway)
        warm = await client.get(url)
        after = directory_calls(demo_gateway)
    assert cold.status_code == warm.status_code == 200
    assert middle - before == 1  # the cold photo: one directory call
    assert after - middle == 0  # the warm one: none
    assert warm.content == cold.content and warm.content.startswith(b"\x89PNG")
    assert warm.headers["content-type"] == "image/png"
    # The ETag is a hash of the bytes the directory holds.
    stored = await demo_gateway.upstreams.directory.photo(subject["guid"])
    assert stored == cold.content
    assert cold.headers["etag"] == '"' + hashlib.sha256(stored).hexdigest()[:32] + '"'
    assert warm.headers["etag"] == cold.headers["etag"]


async def test_the_browser_may_keep_a_photo_for_the_rest_of_the_urls_life(
    demo_gateway: Gateway, council: Council
) -> None:
    url = (await person(demo_gateway, pick(council, True)["sAMAccountName"]))["photoUrl"]
    expires = int(url.split("expires=")[1].split("&")[0])
    async with demo_gateway.client() as client:
        answer = await client.get(url)
    now = int(time.time())
    assert answer.status_code == 200
    cache_control = answer.headers["cache-control"]
    assert cache_control.startswith("private, max-age=")
    max_age = int(cache_control.removeprefix("private, max-age="))
    assert expires - now - 2 <= max_age <= expires - now + 2
    assert max_age > demo_gateway.settings.server.photo_url_lifetime - 5  # not a fixed hour


async def test_if_none_match_is_answered_304_without_the_bytes(
    demo_gateway: Gateway, council: Council
) -> None:
    url = (await person(demo_gateway, pick(council, True)["sAMAccountName"]))["photoUrl"]
    async with demo_gateway.client() as client:
        first = await client.get(url)
        etag = first.headers["etag"]
        for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            before = directory_calls(demo_gateway)
            again = await client.get(url, headers={"If-None-Match": header})
            assert again.status_code == 304, header
            assert again.content == b""
            assert again.headers["etag"] == etag
            assert again.headers["cache-control"].startswith("private, max-age=")
            assert directory_calls(demo_gateway) == before
        changed = await client.get(url, headers={"If-None-Match": '"not-this-one"'})
    assert changed.status_code == 200 and changed.content == first.content


async def test_a_page_of_people_learns_who_has_a_photo_in_one_search_without_bytes(
    demo_gateway: Gateway, council: Council, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Person reads ask for no photo attribute (its bytes would ride with every person)...
    directory = demo_gateway.upstreams.directory
    photo = directory.map.photo
    assert photo not in directory.map.person_attributes()
    searches: list[tuple[str, list[str]]] = []
    search = type(directory).search

    async def recorded(self: Any, base: str, query: str, attributes: list[str], **kw: Any) -> Any:
        searches.append((query, list(attributes)))
        return await search(self, base, query, attributes, **kw)

    monkeypatch.setattr(type(directory), "search", recorded)  # observed, not replaced
    await demo_gateway.clear_cache()
    photos = "{ people(first: 100) { nodes { id accountName hasPhoto photoUrl } } }"
    body = await demo_gateway.query(photos, user="alex.morgan")
    assert "errors" not in body, body
    nodes = body["data"]["people"]["nodes"]
    # ...and hasPhoto for the whole page costs one more directory search, cold, which
    # asks for GUIDs only.
    assert len(nodes) == 100
    asked = [(q, a) for q, a in searches if f"({photo}=*)" in q]
    assert len(asked) == 1, [q[:80] for q, _ in searches]
    assert photo not in asked[0][1]
    assert all(photo not in attributes for _, attributes in searches)
    holders = {p["sAMAccountName"] for p in council.people if p["hasPhoto"]}
    assert {n["accountName"] for n in nodes if n["hasPhoto"]} == {
        n["accountName"] for n in nodes if n["accountName"] in holders
    }
    assert 0 < sum(n["hasPhoto"] for n in nodes) < 100
    assert all((n["photoUrl"] is not None) == n["hasPhoto"] for n in nodes)
    # Warm, the page and its photos cost no directory search.
    searches.clear()
    again = await demo_gateway.query(photos, user="alex.morgan")
    assert again["data"]["people"]["nodes"] == nodes
    assert not [q for q, _ in searches if "objectGUID=" in q or photo in q], searches


async def test_no_photo_is_known_from_what_has_photo_read(
    demo_gateway: Gateway, council: Council
) -> None:
    subject = pick(council, False)
    # Read by id: hasPhoto's answer is cached under the GUID the photo route is given.
    by_id = "query($id: ID!) { person(id: $id) { hasPhoto } }"
    found = await demo_gateway.query(by_id, {"id": global_id("Person", subject["guid"])})
    assert found["data"]["person"] == {"hasPhoto": False}
    before = directory_calls(demo_gateway)
    photo = await load_photo(demo_gateway.upstreams, demo_gateway.settings.cache, subject["guid"])
    assert photo is None
    assert directory_calls(demo_gateway) == before


async def test_the_change_feed_drops_a_cached_photo(
    demo_gateway: Gateway, council: Council
) -> None:
    subject = pick(council, True)
    url = (await person(demo_gateway, subject["sAMAccountName"]))["photoUrl"]
    async with demo_gateway.client() as client:
        assert (await client.get(url)).status_code == 200  # cached now
        record = await demo_gateway.upstreams.directory.people_by("guid", [subject["guid"]])
        sync = DirectorySync(demo_gateway.upstreams.directory, demo_gateway.upstreams.cache)
        await sync.forget([r for r in record if r is not None], [])
        before = directory_calls(demo_gateway)
        assert (await client.get(url)).status_code == 200
    assert directory_calls(demo_gateway) > before  # read again from the directory


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


async def test_a_photo_record_survives_redis_as_json(redis_server: RedisServer) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256))  # not UTF-8
    record = PhotoRecord.of(data)
    cache = RecordCache.redis(redis_server.url, namespace="photos")
    try:
        await cache.set_many("photo", {"g": record}, ttl=60, missing_ttl=60)
        [entry] = await cache.get_many("photo", ["g"], PhotoRecord)
    finally:
        await cache.close()
    assert entry is not None and entry.record == record
    assert entry.record.data == data and entry.record.media_type == "image/png"
