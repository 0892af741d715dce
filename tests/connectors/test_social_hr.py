"""HR's changes of role, team and place of work as activity in the social store, on
SQLite and PostgreSQL; and the pure rules of what counts as news."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from connectors.social import HRState, PersonState, SocialStore
from connectors.social.hr_feed import news, record_key
from connectors.social.tables import hr_seen


def hr(
    record: str,
    title: str = "Planning Officer",
    department: str = "Planning",
    location: str = "Civic Centre",
    *,
    active: bool = True,
) -> HRState:
    return HRState(record, title, department, location, active)


def seen(title: str = "Planning Officer", department: str = "Planning") -> SimpleNamespace:
    return SimpleNamespace(job_title=title, department=department, work_location="Civic Centre")


def test_news_names_the_most_telling_change_first() -> None:
    assert news(seen(), hr("a")) == []
    assert news(None, hr("a", "Head of Planning")) == []  # first sight: nothing to compare
    assert news(seen(), hr("a", "Head of Planning", "Housing", "Depot")) == [
        ("department", "Housing"),
        ("title", "Head of Planning"),
        ("location", "Depot"),
    ]
    assert news(seen(), hr("a", location="Riverside House")) == [("location", "Riverside House")]


def test_news_ignores_re_casing_clearing_and_leavers() -> None:
    assert news(seen(), hr("a", " planning officer ", "PLANNING")) == []
    assert news(seen(), HRState("a", None, "", None, True)) == []
    assert news(seen(), hr("a", "Head of Planning", active=False)) == []


def test_the_seen_table_names_a_record_by_a_digest_of_its_id() -> None:
    key = record_key("E100007")
    assert "E100007" not in key and len(key) == 64
    assert record_key(" e100007") == key  # ids are matched as the HR sources match them


async def test_hr_moves_are_announced_once_and_a_stale_batch_writes_nothing(
    store: SocialStore,
) -> None:
    people = {"r-ann": "ann", "r-bob": "bob", "r-cat": "cat"}
    assert await store.hr_moves([hr("r-ann"), hr("r-bob")]) == []  # nothing seen yet
    baseline = await store.observe_hr(
        [hr("r-ann"), hr("r-bob"), hr("r-cat")], people=people, since=None, checkpoint="h1"
    )
    assert baseline == []  # remembered, not announced
    assert await store.checkpoint("hr") == "h1"
    batch = [
        hr("r-ann", "Principal Planner"),
        hr("r-bob", department="Housing"),
        hr("r-cat", location="Riverside House"),
        hr("r-dan", "Chief Executive"),  # first seen: remembered only
    ]
    assert sorted(await store.hr_moves(batch)) == ["r-ann", "r-bob", "r-cat"]
    events = await store.observe_hr(batch, people=people, since="h1", checkpoint="h2")
    assert events is not None
    found = await store.events_by_id(events)
    assert {(e.actor, e.verb, e.object_id, e.target_kind, e.target_id) for e in found if e} == {
        ("ann", "moved", "ann", "title", "Principal Planner"),
        ("bob", "moved", "bob", "department", "Housing"),
        ("cat", "moved", "cat", "location", "Riverside House"),
    }
    # Another worker that read the same batch from h1 finds it applied, and writes nothing.
    late = [hr("r-ann", "Chief Planner")]
    assert await store.observe_hr(late, people=people, since="h1", checkpoint="h2b") is None
    assert await store.checkpoint("hr") == "h2"
    assert await store.hr_moves(batch) == []  # as last seen
    again = await store.observe_hr(batch, people=people, since="h2", checkpoint="h3")
    assert again == []


async def test_a_move_without_a_directory_account_is_remembered_not_announced(
    store: SocialStore,
) -> None:
    await store.observe_hr([hr("r-eve")], people={}, since=None, checkpoint="h1")
    assert await store.hr_moves([hr("r-eve", "Head of Housing")]) == ["r-eve"]
    moved = [hr("r-eve", "Head of Housing")]
    assert await store.observe_hr(moved, people={}, since="h1", checkpoint="h2") == []
    # Once she has an account, her next move is told, compared with the last one seen.
    later = [hr("r-eve", "Director of Housing")]
    events = await store.observe_hr(later, people={"r-eve": "eve"}, since="h2", checkpoint="h3")
    assert events is not None and len(events) == 1
    [event] = await store.events_by_id(events)
    assert event is not None and event.target_id == "Director of Housing"


async def test_the_seen_table_holds_only_staff_visible_fields(store: SocialStore) -> None:
    await store.observe_hr([hr("E100007")], people={"E100007": "ann"}, since=None, checkpoint="h1")
    async with store.engine.connect() as connection:
        rows = [dict(r._mapping) for r in await connection.execute(select(hr_seen))]
    assert set(rows[0]) == {
        "record", "guid", "job_title", "department", "work_location", "seen_at",
    }  # fmt: skip
    assert all("E100007" not in str(value) for value in rows[0].values())


async def test_a_move_the_other_feed_told_first_is_not_told_again(store: SocialStore) -> None:
    def ad(guid: str, department: str, title: str = "Planning Officer") -> PersonState:
        return PersonState(guid, department, title, "CN=Boss", True)

    await store.observe_people(
        [ad("ann", "Planning"), ad("bob", "Planning")],
        source="directory",
        since=None,
        checkpoint="d1",
    )
    people = {"r-ann": "ann", "r-bob": "bob"}
    await store.observe_hr([hr("r-ann"), hr("r-bob")], people=people, since=None, checkpoint="h1")

    # The directory tells first: HR's report of the same department is not told again,
    # but the place of work that changed with it is HR's news alone.
    told = await store.observe_people(
        [ad("ann", "Housing")], source="directory", since="d1", checkpoint="d2"
    )
    assert told is not None and len(told) == 1
    same_move = [hr("r-ann", department="housing", location="Depot")]
    events = await store.observe_hr(same_move, people=people, since="h1", checkpoint="h2")
    assert events is not None
    assert [(e.target_kind, e.target_id) for e in await store.events_by_id(events) if e] == [
        ("location", "Depot")
    ]

    # HR tells first: the directory's report of the same title is not told again...
    events = await store.observe_hr(
        [hr("r-bob", "Senior Planner")], people=people, since="h2", checkpoint="h3"
    )
    assert events is not None and len(events) == 1
    quiet = await store.observe_people(
        [ad("bob", "Planning", "Senior Planner")], source="directory", since="d2", checkpoint="d3"
    )
    assert quiet == []
    # ...but a new manager is the directory's news alone.
    boss = PersonState("bob", "Planning", "Senior Planner", "CN=New Boss", True)
    moved = await store.observe_people([boss], source="directory", since="d3", checkpoint="d4")
    assert moved is not None and len(moved) == 1
