"""The privacy matrix's world: viewers generated from the sample council's directory,
restricted documents generated from its folder access map, and social data seeded on
each through the API by people who may read it.

Who may read what is worked out here from the directory's groups (as the gateway reports
them for each viewer) and ``document_access.json``: the ground truth the gate's answers
are checked against. Everything seeded about a restricted document carries markers (its
path, title and id, a token in every text, the ids of every comment, report and activity
item about it) that must never reach a viewer who may not read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from servers import Council
from sqlalchemy import select

from connectors.documents import FolderAccess
from connectors.social import normalise_tag
from connectors.social.tables import activity, notifications
from schema.ids import global_id

from .conftest import Gateway

# The folders whose readers are one group, and the role of the viewer generated for it.
RESTRICTED = {
    "HR and Organisational Development/Confidential": "HR Confidential",
    "Planning/Team": "Staff - Planning",
    "Corporate/Senior Leadership": "Senior Leadership Team",
}
MODERATORS = "Townhall Moderators"
FALLBACK_MODERATORS = "HR Confidential"  # TOWNHALL_SOCIAL__FALLBACK_MODERATOR_GROUPS
OPEN_DOC = "Planning/Plans/Local Plan 2026.md"  # All Staff: the control everyone reads


@dataclass
class Viewer:
    account: str
    guid: str
    role: str
    groups: frozenset[str] = frozenset()

    @property
    def gid(self) -> str:
        return global_id("Person", self.guid)


@dataclass
class Secret:
    """A restricted document and everything seeded about it."""

    index: int
    path: str
    title: str
    author: str | None  # account of the document's author
    writer: Viewer  # a viewer who may read it and seeds its social data
    second: str  # another reader's account: mentioned, replies, reports
    tags: list[str]
    readers: set[str] = field(default_factory=set)  # viewers' accounts who may read it
    exclusive: set[str] = field(default_factory=set)  # topics only its folder is about
    comment: str = ""  # global ids of what was seeded
    report: str = ""
    comment_event: str = ""
    unreacted_event: str = ""
    deleted_event: str = ""
    markers: set[str] = field(default_factory=set)

    @property
    def gid(self) -> str:
        return global_id("Document", self.path)

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0]

    @property
    def parent(self) -> str:
        return self.folder.rsplit("/", 1)[0]

    @property
    def token(self) -> str:
        return f"MXS{self.index}Q"  # in every text seeded about it

    @property
    def tag(self) -> str:
        return f"mxs{self.index}q"


@dataclass
class World:
    viewers: list[Viewer]
    secrets: list[Secret]
    access: FolderAccess
    documents: list[dict[str, Any]]
    guids: dict[str, str]  # account -> GUID
    changed: list[str] = field(default_factory=list)  # counts a seeding changed for outsiders

    def may_read(self, viewer: Viewer, path: str) -> bool:
        return self.access.may_read(path, viewer.groups)

    def non_readers(self, secret: Secret) -> list[Viewer]:
        return [v for v in self.viewers if v.account not in secret.readers]


def _members(council: Council, group: str) -> list[str]:
    """Accounts of a group's direct user members, sorted."""
    by_dn = {e.dn.casefold(): account for account, e in council.users.items()}
    entry = council.groups[group]
    found = {by_dn.get(m.decode().casefold()) for m in entry.attrs.get("member", [])}
    return sorted(a for a in found if a)


def generate(council: Council) -> tuple[list[Viewer], dict[str, list[str]]]:
    """One viewer per restricted folder's group and one moderator, each in no other of
    those groups (so every viewer may read exactly one restricted folder, or none)."""
    members = {g: _members(council, g) for g in [*RESTRICTED.values(), MODERATORS]}
    enabled = {p["sAMAccountName"] for p in council.people if p.get("enabled", True)}
    guids = {p["sAMAccountName"]: p["guid"] for p in council.people}
    viewers: list[Viewer] = []
    for group in [*RESTRICTED.values(), MODERATORS]:
        others = {a for g, listed in members.items() if g != group for a in listed}
        account = next(a for a in members[group] if a not in others and a in enabled)
        viewers.append(Viewer(account=account, guid=guids[account], role=group))
    return viewers, members


async def build(gateway: Gateway, council: Council) -> World:
    viewers, members = generate(council)
    for viewer in viewers:
        body = await gateway.query("{ me { groups { name } } }", user=viewer.account)
        viewer.groups = frozenset(g["name"] for g in body["data"]["me"]["groups"])
    access = FolderAccess.from_file(council.root / "document_access.json")
    documents: list[dict[str, Any]] = council.documents["documents"]
    guids = {p["sAMAccountName"]: p["guid"] for p in council.people}
    secrets: list[Secret] = []
    for index, (folder, group) in enumerate(sorted(RESTRICTED.items()), start=1):
        doc = min((d for d in documents if d["path"].startswith(folder + "/")), key=_path)
        writer = next(v for v in viewers if v.role == group)
        second = next(a for a in members[group] if a != writer.account)
        author = (doc.get("author") or "").split("@")[0] or None
        secret = Secret(
            index=index, path=doc["path"], title=doc["title"], author=author, writer=writer,
            second=second, tags=list(doc.get("tags", [])),
        )  # fmt: skip
        secret.readers = {v.account for v in viewers if access.may_read(secret.path, v.groups)}
        assert secret.readers == {writer.account}, (secret.path, secret.readers)
        secret.exclusive = {secret.tag} | {
            t
            for t in secret.tags
            if all(d.startswith(folder + "/") for d in _about(documents, t, council.root))
        }
        secrets.append(secret)
    return World(viewers, secrets, access, documents, guids)


def _path(doc: dict[str, Any]) -> str:
    return str(doc["path"])


def _about(documents: list[dict[str, Any]], topic: str, root: PathLike[str]) -> list[str]:
    """Paths of the documents ``experts(topic)`` counts (as ``schema.expert_evidence``
    reads them: the topic among their tags, or every word of it in their title; or, as
    the search index finds text, every word of it starting a word of their title, tags,
    path, author, editor or text)."""
    words = {w for w in topic.split("-") if w}
    found = []
    for d in documents:
        if topic in {normalise_tag(t) for t in d.get("tags", [])} or words <= set(
            re.findall(r"\w+", (d.get("title") or "").casefold())
        ):
            found.append(d["path"])
            continue
        body = Path(root, "documents", d["path"])
        text = body.read_text("utf-8", errors="ignore") if body.is_file() else ""
        fields = [d.get("title"), d["path"], d.get("author"), d.get("lastEditor"), text]
        tokens = set(
            re.findall(r"\w+", " ".join([*filter(None, fields), *d.get("tags", [])]).casefold())
        )
        if all(any(t.startswith(w) for t in tokens) for w in words):
            found.append(d["path"])
    return found


# -- seeding ----------------------------------------------------------------------------

ADD = """mutation($input: AddCommentInput!) { addComment(input: $input) {
  __typename ... on CommentSuccess { comment { id } } } }"""
REACT = """mutation($input: ReactInput!) { react(input: $input) { __typename } }"""
UNREACT = """mutation($input: ReactInput!) { unreact(input: $input) { __typename } }"""
DELETE = """mutation($input: DeleteCommentInput!) { deleteComment(input: $input) {
  __typename } }"""
REPORT = """mutation($input: ReportInput!) { reportItem(input: $input) {
  __typename ... on ReportSuccess { report { id } } } }"""
FOLLOW = """mutation($input: FollowInput!) { follow(input: $input) { __typename } }"""


async def act(gateway: Gateway, query: str, variables: dict[str, Any], user: str) -> Any:
    body = await gateway.query(query, variables, user=user)
    assert "errors" not in body, body
    [result] = body["data"].values()
    assert result["__typename"].endswith("Success"), (user, variables, result)
    return result


async def follow_writers(gateway: Gateway, world: World) -> None:
    """Every viewer follows every writer: whatever a writer does reaches their home feed."""
    for viewer in world.viewers:
        for secret in world.secrets:
            if secret.writer is not viewer:
                await act(
                    gateway, FOLLOW, {"input": {"targetId": secret.writer.gid}}, viewer.account
                )


async def seed(gateway: Gateway, world: World, secret: Secret) -> None:
    """Comments, a reply, reactions, an undone reaction, a deleted comment, a follow, a
    comment on an activity item and a report, all about ``secret``, by its readers; the
    comment mentions every viewer who may not read it (none of them may be told)."""
    writer, second, token = secret.writer.account, secret.second, secret.token
    outsiders = " ".join(f"@{v.account}" for v in world.non_readers(secret))
    await act(gateway, FOLLOW, {"input": {"targetId": secret.gid}}, writer)
    added = await act(gateway, ADD, {"input": {"targetId": secret.gid, "body":
        f"{token} pay is up 4% for grade 9 #{secret.tag} @{second} {outsiders}"}}, writer)  # fmt: skip
    secret.comment = added["comment"]["id"]
    await act(gateway, ADD, {"input": {"targetId": secret.gid, "replyToId": secret.comment,
        "body": f"{token} noted, thanks"}}, second)  # fmt: skip
    for item, reaction in ((secret.gid, "LIKE"), (secret.comment, "THANKS")):
        await act(gateway, REACT, {"input": {"itemId": item, "reaction": reaction}}, writer)
    await act(gateway, UNREACT, {"input": {"itemId": secret.comment, "reaction": "THANKS"}}, writer)
    doomed = await act(gateway, ADD, {"input": {"targetId": secret.gid,
        "body": f"{token} posted by mistake"}}, writer)  # fmt: skip
    await act(gateway, DELETE, {"input": {"commentId": doomed["comment"]["id"]}}, writer)
    events = await events_about(gateway, secret.path)
    [commented] = [
        e for e, verb, obj in events if verb == "commented" and obj == _key(secret.comment)
    ]
    secret.comment_event = global_id("ActivityItem", str(commented))
    await act(
        gateway, REACT, {"input": {"itemId": secret.comment_event, "reaction": "LIKE"}}, writer
    )
    on_event = await act(gateway, ADD, {"input": {"targetId": secret.comment_event,
        "body": f"{token} this one matters"}}, second)  # fmt: skip
    reported = await act(gateway, REPORT, {"input": {"itemId": secret.comment,
        "reason": f"{token}-reason quotes grade 9 pay"}}, second)  # fmt: skip
    secret.report = reported["report"]["id"]
    events = await events_about(gateway, secret.path)
    secret.unreacted_event = global_id("ActivityItem", str(_only(events, "unreacted")))
    secret.deleted_event = global_id("ActivityItem", str(_only(events, "deleted")))
    ids = {
        secret.gid, secret.comment, secret.report, on_event["comment"]["id"],
        doomed["comment"]["id"], *(global_id("ActivityItem", str(e)) for e, _, _ in events),
        *(global_id("Notification", str(n)) for n in await notices_about(gateway, secret.path)),
    }  # fmt: skip
    # Ids as JSON strings, whole ("Notification:10" is a prefix of "Notification:100").
    secret.markers = {secret.path, secret.title, token, secret.tag, *(f'"{i}"' for i in ids)}


async def events_about(gateway: Gateway, path: str) -> list[tuple[int, str, str]]:
    """(id, verb, object id) of every event the store holds about ``path``."""
    query = select(activity.c.id, activity.c.verb, activity.c.object_id).where(
        activity.c.document == path
    )
    async with gateway.upstreams.social.engine.connect() as connection:
        return [(r[0], r[1], r[2]) for r in await connection.execute(query.order_by(activity.c.id))]


async def notices_about(gateway: Gateway, path: str) -> list[int]:
    """Ids of every notification the store holds about ``path`` (whoever it is for)."""
    query = select(notifications.c.id).where(notifications.c.document == path)
    async with gateway.upstreams.social.engine.connect() as connection:
        return [r[0] for r in await connection.execute(query)]


def _only(events: list[tuple[int, str, str]], verb: str) -> int:
    [found] = [e for e, v, _ in events if v == verb]
    return found


def _key(comment_gid: str) -> str:
    from schema.ids import parse_global_id

    return parse_global_id(comment_gid, "Comment")[1]
