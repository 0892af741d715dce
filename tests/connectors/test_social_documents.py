"""Every activity event names the document it is about, whatever its verb, on SQLite and
PostgreSQL; migration 0008 fills the document in on rows written before; and the reads
the access gate filters by document (open reports, marking read) take the documents."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, insert, select

from connectors.social import CommentText, SocialStore
from connectors.social.tables import activity, comments, notifications, reactions, reports

MIGRATIONS = Path(__file__).resolve().parents[2] / "connectors" / "social" / "migrations"
DOC = "HR and Organisational Development/Confidential/Senior Pay Review 2026.md"


async def events(store: SocialStore) -> list[tuple[str, str, str | None]]:
    """(verb, object kind, document) of every event, oldest first."""
    async with store.engine.connect() as connection:
        rows = await connection.execute(
            select(activity.c.verb, activity.c.object_kind, activity.c.document).order_by(
                activity.c.id
            )
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def test_every_verb_about_a_document_stores_it(store: SocialStore) -> None:
    await store.follow("ann", "document", DOC, document=DOC)
    await store.unfollow("ann", "document", DOC)
    await store.react("ann", "document", DOC, "like")
    await store.unreact("ann", "document", DOC, "like")
    c = await store.add_comment("ann", "document", DOC, CommentText("pay is up 3%"))
    await store.edit_comment("ann", c.id, CommentText("pay is up 4%"))
    await store.react("bob", "comment", c.id, "like")
    await store.unreact("bob", "comment", c.id, "like")
    [event] = [e for e in await store.document_feed(DOC, before=None, limit=5)][:1]
    await store.react("bob", "activity", str(event.id), "thanks")
    await store.unreact("bob", "activity", str(event.id), "thanks")
    on_event = await store.add_comment("bob", "activity", str(event.id), CommentText("noted"))
    report = await store.report("cat", "comment", on_event.id, "quotes pay")
    await store.decide("mod", report.id, "dismissed", None)
    await store.delete_comment("bob", on_event.id)
    await store.delete_comment("ann", c.id)
    found = await events(store)
    assert [verb for verb, _, _ in found] == [
        "followed", "unfollowed", "reacted", "unreacted", "commented", "edited", "reacted",
        "unreacted", "reacted", "unreacted", "commented", "reported", "dismissed", "deleted",
        "deleted",
    ]  # fmt: skip
    assert [verb for verb, _, document in found if document != DOC] == []


async def test_events_about_no_document_store_none(store: SocialStore) -> None:
    c = await store.add_comment("ann", "person", "bob", CommentText("hello"))
    await store.react("bob", "comment", c.id, "like")
    await store.unreact("bob", "comment", c.id, "like")
    await store.delete_comment("ann", c.id)
    await store.follow("ann", "person", "bob")
    await store.unfollow("ann", "person", "bob")
    assert {document for _, _, document in await events(store)} == {None}


def _upgrade(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_the_migration_fills_in_documents_along_chains(social_url: str) -> None:
    store = SocialStore.open(social_url)
    try:
        async with store.engine.begin() as connection:
            await connection.run_sync(_upgrade, "0007")
        at = datetime.now(UTC)

        def event(verb: str, kind: str, key: str, document: str | None = None) -> dict[str, object]:
            return {"actor": "ann", "verb": verb, "object_kind": kind, "object_id": key,
                    "audience": "document" if document else "staff", "document": document,
                    "created_at": at}  # fmt: skip

        async with store.engine.begin() as connection:  # as earlier code wrote them
            await connection.execute(
                insert(comments).values(
                    id="c1", author="ann", target_kind="document", target=DOC, body="pay",
                    created_at=at, document=DOC,
                )
            )  # fmt: skip
            commented = await connection.scalar(
                insert(activity).values(event("commented", "comment", "c1", DOC))
                .returning(activity.c.id)
            )  # fmt: skip
            await connection.execute(insert(activity).values(event("unfollowed", "document", DOC)))
            unreacted = await connection.scalar(
                insert(activity).values(event("unreacted", "activity", str(commented)))
                .returning(activity.c.id)
            )  # fmt: skip
            # A comment on the undocumented event, its own deletion, a reaction, a report
            # and a notification: each one link further down the chain.
            await connection.execute(
                insert(comments).values(
                    id="c2", author="bob", target_kind="activity", target=str(unreacted),
                    body="pay again", created_at=at,
                )
            )  # fmt: skip
            deleted = await connection.scalar(
                insert(activity).values(event("deleted", "comment", "c2"))
                .returning(activity.c.id)
            )  # fmt: skip
            await connection.execute(
                insert(reactions).values(
                    person="cat", target_kind="comment", target="c2", kind="like", created_at=at
                )
            )
            await connection.execute(
                insert(reports).values(
                    id="r1", reporter="cat", item_kind="activity", item_id=str(deleted),
                    reason="quotes pay", created_at=at, status="open",
                )
            )  # fmt: skip
            await connection.execute(
                insert(notifications),
                [
                    {"recipient": "ann", "kind": "reply", "activity_id": deleted,
                     "report_id": None, "created_at": at},
                    {"recipient": "mod", "kind": "report_filed", "activity_id": None,
                     "report_id": "r1", "created_at": at},
                ],
            )  # fmt: skip
            await connection.execute(
                insert(comments).values(
                    id="c3", author="ann", target_kind="person", target="bob", body="hi",
                    created_at=at,
                )
            )  # fmt: skip
            await connection.execute(insert(activity).values(event("deleted", "comment", "c3")))
        async with store.engine.begin() as connection:
            await connection.run_sync(_upgrade, "head")
        assert [(verb, document) for verb, _, document in await events(store)] == [
            ("commented", DOC), ("unfollowed", DOC), ("unreacted", DOC), ("deleted", DOC),
            ("deleted", None),
        ]  # fmt: skip
        [c2, c3] = await store.comments_by_id(["c2", "c3"])
        assert c2 is not None and c2.document == DOC
        assert c3 is not None and c3.document is None
        [report] = await store.reports_by_id(["r1"])
        assert report is not None and report.document == DOC
        async with store.engine.connect() as connection:
            assert await connection.scalar(select(reactions.c.document)) == DOC
            audiences = {a for (a,) in await connection.execute(select(activity.c.audience))}
            assert audiences == {"document", "staff"}
        for person in ("ann", "mod"):
            [note] = await store.notifications_for(person, before=None, limit=5)
            assert note.document == DOC
    finally:
        await store.close()


async def test_open_reports_and_marking_read_take_the_readable_documents(
    store: SocialStore,
) -> None:
    secret = await store.add_comment("ann", "document", DOC, CommentText("pay"))
    public = await store.add_comment("ann", "person", "bob", CommentText("hi"))
    for item in (secret, public):
        await store.report("cat", "comment", item.id, "look", moderators=["mod"])
    assert sorted(await store.open_report_documents(), key=str) == [DOC, None]
    everything = await store.open_reports(first=10)
    assert len(everything) == 2
    assert [r.item_id for r in await store.open_reports(first=10, documents=[None])] == [public.id]
    assert [r.item_id for r in await store.open_reports(first=10, documents=[DOC])] == [secret.id]
    assert await store.open_reports(first=10, documents=[]) == []
    assert await store.mark_read("mod", documents=[]) == 1  # only the one about no document
    assert await store.unread_by_document("mod") == {DOC: 1}
    assert await store.mark_read("mod", documents=[DOC]) == 1
