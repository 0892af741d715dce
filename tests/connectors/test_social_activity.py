"""The social store's activity feeds, notifications, profiles, expertise signals and
moderation, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from connectors.social import CommentText, Event, ItemNotFound, SocialStore


async def test_home_feed_is_what_i_follow_plus_my_team(store: SocialStore) -> None:
    await store.follow("me", "person", "friend")
    await store.follow("me", "document", "Planning/a.md")
    await store.follow("me", "tag", "budget")
    await store.follow("me", "group", "g1")
    friend = await store.add_comment("friend", "person", "x", CommentText("hi"))
    await store.add_comment("stranger", "person", "x", CommentText("not for me"))
    on_doc = await store.add_comment("stranger", "document", "Planning/a.md", CommentText("doc"))
    tagged = await store.add_comment(
        "stranger", "person", "y", CommentText("#budget talk", tags=["budget"])
    )
    teammate = await store.add_comment("mate", "person", "z", CommentText("team"))
    joined = await store.record(Event("newbie", "joined", "group", "g1", "group", "g1"))
    await store.add_comment("me", "person", "friend", CommentText("my own"))

    feed = await store.home_feed("me", ["mate"], before=None, limit=50)
    objects = [e.object_id for e in feed]
    assert objects == ["g1", teammate.id, tagged.id, on_doc.id, friend.id]
    assert feed[0].id == joined

    page1 = await store.home_feed("me", ["mate"], before=None, limit=2)
    await store.add_comment("friend", "person", "x", CommentText("arrives between pages"))
    page2 = await store.home_feed("me", ["mate"], before=page1[-1].id, limit=10)
    assert [e.object_id for e in page1 + page2] == objects  # stable under new events


async def test_person_document_and_tag_feeds(store: SocialStore) -> None:
    a = await store.add_comment("ann", "document", "F/x.md", CommentText("#Roads", tags=["roads"]))
    b = await store.add_comment("bob", "document", "F/x.md", CommentText("y"))
    assert [e.object_id for e in await store.person_feed("ann", before=None, limit=10)] == [a.id]
    assert [e.object_id for e in await store.document_feed("F/x.md", before=None, limit=10)] == [
        b.id,
        a.id,
    ]
    [event] = await store.tag_feed("roads", before=None, limit=10)
    assert (event.object_id, event.document, event.audience) == (a.id, "F/x.md", "document")
    await store.edit_comment("ann", a.id, CommentText("edited"))
    assert len(await store.person_feed("ann", before=None, limit=10)) == 1  # edits: no noise
    await store.delete_comment("ann", a.id)
    assert await store.person_feed("ann", before=None, limit=10) == []


async def test_comments_on_activity_items_inherit_their_document(store: SocialStore) -> None:
    event_id = await store.record_document_change("HR/policy.md", "editor")
    reply = await store.add_comment("ann", "activity", str(event_id), CommentText("nice"))
    [comment] = await store.comments_by_id([reply.id])
    assert comment.document == "HR/policy.md"
    [note] = await store.notifications_for("editor", before=None, limit=5)
    assert (note.kind, note.document) == ("reply", "HR/policy.md")
    with pytest.raises(ItemNotFound):
        await store.add_comment("ann", "activity", "999999", CommentText("none"))
    with pytest.raises(ItemNotFound):
        await store.add_comment("ann", "activity", "not-a-number", CommentText("none"))


async def test_notifications_unread_counts_and_mark_read(store: SocialStore) -> None:
    c = await store.add_comment("me", "document", "A/x.md", CommentText("mine"))
    await store.react("ann", "comment", c.id, "like")
    await store.react("bob", "comment", c.id, "thanks")
    await store.follow("ann", "person", "me")
    assert await store.unread_by_document("me") == {"A/x.md": 2, None: 1}
    newest = await store.notifications_for("me", before=None, limit=1)
    assert newest[0].kind == "new_follower"
    rest = await store.notifications_for("me", before=newest[0].id, limit=10)
    assert [n.kind for n in rest] == ["reaction", "reaction"]
    assert await store.mark_read("me", [rest[0].id]) == 1
    assert await store.mark_read("me", [rest[0].id]) == 0
    assert await store.unread_by_document("me") == {"A/x.md": 1, None: 1}
    assert await store.mark_read("ann", None) == 0  # nobody else's
    assert await store.mark_read("me", None) == 2
    assert await store.notifications_for("me", before=None, limit=5, unread_only=True) == []


async def test_profiles_fields_tags_and_endorsements(store: SocialStore) -> None:
    assert await store.set_profile_field("ann", "pronouns", "she/her") is True
    assert await store.set_profile_field("ann", "pronouns", "she/her") is False
    [fields] = await store.profile_fields_of(["ann"])
    assert fields["pronouns"].value == "she/her"
    assert await store.set_profile_field("ann", "pronouns", None) is True
    assert await store.profile_fields_of(["ann"]) == [{}]
    with pytest.raises(ValueError):
        await store.set_profile_field("ann", "salary", "lots")

    assert await store.set_profile_tags("ann", "skill", ["gis", "python", "gis"]) == [
        "gis",
        "python",
    ]
    with pytest.raises(ItemNotFound):
        await store.endorse("bob", "ann", "cobol")
    assert await store.endorse("bob", "ann", "gis") is True
    assert await store.endorse("bob", "ann", "gis") is False
    await store.endorse("cat", "ann", "gis")
    assert await store.endorsements_of("ann") == {"gis": ["bob", "cat"]}
    assert [n.kind for n in await store.notifications_for("ann", before=None, limit=5)] == [
        "endorsement",
        "endorsement",
    ]
    assert await store.set_profile_tags("ann", "skill", ["python", "sql"]) == ["sql"]
    assert await store.endorsements_of("ann") == {}  # a dropped skill takes its endorsements
    [tags] = await store.profile_tags_of("skill", ["ann"])
    assert [t.tag for t in tags] == ["python", "sql"]


async def test_topic_signals(store: SocialStore) -> None:
    await store.set_profile_tags("ann", "skill", ["gis"])
    await store.set_profile_tags("bob", "skill", ["gis"])
    await store.set_profile_tags("cat", "interest", ["gis"])
    await store.endorse("x", "bob", "gis")
    await store.endorse("y", "bob", "gis")
    await store.add_comment("dan", "document", "Maps/a.md", CommentText("#gis", tags=["gis"]))
    await store.add_comment("eve", "document", "Maps/b.md", CommentText("about maps"))
    gone = await store.add_comment("eve", "document", "Maps/b.md", CommentText("deleted"))
    await store.delete_comment("eve", gone.id)
    signals = await store.topic_signals("gis", ["Maps/b.md"])
    assert signals.declared == {"ann": 0, "bob": 2}
    assert signals.interested == {"cat"}
    assert signals.tagged_comments == {("dan", "Maps/a.md"): 1}
    assert signals.document_comments == {("eve", "Maps/b.md"): 1}


async def test_reports_hide_items_and_tell_reporters(store: SocialStore) -> None:
    c = await store.add_comment("troll", "document", "A/x.md", CommentText("rude"))
    r1 = await store.report("ann", "comment", c.id, "rude")
    r2 = await store.report("bob", "comment", c.id, "very rude")
    assert [r.id for r in await store.open_reports(first=10)] == [r1.id, r2.id]
    assert await store.decide("mod", r1.id, "hidden", "breaks the code of conduct") == 2
    assert await store.decide("mod", r2.id, "dismissed", None) == 0  # already settled
    [hidden] = await store.comments_by_id([c.id])
    assert hidden.hidden_at is not None
    assert await store.comment_counts("document", ["A/x.md"]) == [0]
    assert await store.document_feed("A/x.md", before=None, limit=10) == []
    [note] = await store.notifications_for("ann", before=None, limit=5)
    assert (note.kind, note.report_id) == ("report_outcome", r1.id)
    [report] = await store.reports_by_id([r2.id])
    assert (report.status, report.decided_by) == ("hidden", "mod")
    with pytest.raises(ItemNotFound):
        await store.report("cat", "comment", c.id, "already hidden")
    with pytest.raises(ItemNotFound):
        await store.decide("mod", "missing", "hidden", None)


async def test_every_social_action_is_recorded(store: SocialStore) -> None:
    from sqlalchemy import select

    from connectors.social.tables import activity

    await store.follow("ann", "person", "bob")
    await store.unfollow("ann", "person", "bob")
    c = await store.add_comment("ann", "person", "bob", CommentText("hi"))
    r = await store.add_comment("bob", "person", "bob", CommentText("hello"), parent_id=c.id)
    await store.edit_comment("ann", c.id, CommentText("hi!"))
    await store.react("bob", "comment", c.id, "like")
    await store.unreact("bob", "comment", c.id, "like")
    await store.set_profile_tags("bob", "skill", ["gis"])
    await store.endorse("ann", "bob", "gis")
    await store.unendorse("ann", "bob", "gis")
    await store.set_profile_field("bob", "about", "Maps")
    report = await store.report("cat", "comment", r.id, "spam")
    await store.decide("mod", report.id, "dismissed", None)
    await store.delete_comment("ann", c.id)
    async with store.engine.connect() as connection:
        verbs = [
            v for (v,) in await connection.execute(select(activity.c.verb).order_by(activity.c.id))
        ]
    assert verbs == [
        "followed", "unfollowed", "commented", "replied", "edited", "reacted", "unreacted",
        "added_skill", "endorsed", "unendorsed", "updated_profile", "reported", "dismissed",
        "deleted",
    ]  # fmt: skip
    # Only what belongs in a feed is shown there: never reports, decisions, or undoings.
    shown = [e.verb for e in await store.person_feed("ann", before=None, limit=50)]
    assert set(shown) <= {"followed", "commented", "endorsed"}


async def test_directory_changes_become_joined_moved_and_left(store: SocialStore) -> None:
    from connectors.social import PersonState

    def state(guid: str, department: str = "Planning", *, active: bool = True) -> PersonState:
        return PersonState(guid, department, "Officer", "CN=Boss", active)

    assert await store.checkpoint("directory") is None
    baseline = await store.observe_people(
        [state("ann"), state("bob")], source="directory", since=None, checkpoint="c1"
    )
    assert baseline == []  # the first batch is remembered, not announced
    assert await store.checkpoint("directory") == "c1"
    await store.observe_people(
        [
            state("cat"),
            state("ann", "Housing"),
            state("bob", active=False),
            state("dan", active=False),
        ],
        source="directory",
        since="c1",
        checkpoint="c2",
    )
    events = {
        e.actor: e
        for e in await store.home_feed("me", ["ann", "bob", "cat", "dan"], before=None, limit=10)
    }
    assert {a: (e.verb, e.target_id) for a, e in events.items()} == {
        "cat": ("joined", None),
        "ann": ("moved", "Housing"),
        "bob": ("left", None),
    }
    assert await store.checkpoint("directory") == "c2"
    again = await store.observe_people(
        [state("ann", "Housing")], source="directory", since="c2", checkpoint="c3"
    )
    assert again == []  # nothing changed for ann since last seen
    # Another worker that read the same batch from c2 finds it applied, and writes nothing.
    late = await store.observe_people(
        [state("ann", "HR")], source="directory", since="c2", checkpoint="c3"
    )
    assert late is None
    assert await store.checkpoint("directory") == "c3"
    # A move names what changed: the department first, else the title, else the manager.
    promoted = PersonState("ann", "Housing", "Senior Officer", "CN=Boss", True)
    reassigned = PersonState("cat", "Planning", "Officer", "CN=Other Boss", True)
    ids = await store.observe_people(
        [promoted, reassigned], source="directory", since="c3", checkpoint="c4"
    )
    assert ids is not None
    moves = [e for e in await store.events_by_id(ids) if e is not None]
    assert [(e.actor, e.target_kind, e.target_id) for e in moves] == [
        ("ann", "title", "Senior Officer"),
        ("cat", "manager", None),  # no DN is ever stored on an event
    ]


async def test_a_directory_resync_of_more_people_than_a_statement_may_bind(
    store: SocialStore,
) -> None:
    """A resync names everyone: 33,000 people are past both backends' limit on bound
    parameters (32,766 / 32,767), so the store must not put them in one IN list."""
    from connectors.social import PersonState

    people = [
        PersonState(f"p{i:05d}", "Planning", "Officer", "CN=Boss", True) for i in range(33_000)
    ]
    assert await store.observe_people(people, source="directory", since=None, checkpoint="c1") == []
    people[123] = PersonState("p00123", "Housing", "Officer", "CN=Boss", True)
    ids = await store.observe_people(people, source="directory", since="c1", checkpoint="c2")
    assert ids is not None and len(ids) == 1
    [moved] = await store.events_by_id(ids)
    assert moved is not None and (moved.actor, moved.target_id) == ("p00123", "Housing")
