"""The ceiling: a bare Strawberry app serving Townhall's query shapes from in-memory dicts.

Same framework settings as Townhall (parser and validation caches, uvicorn with
uvloop and httptools, one worker, the same garbage-collector tuning), no upstreams, no cache, no privacy rules:
what Strawberry itself costs for these shapes on this machine. Run with
``uvicorn bench.ceiling_app:app``; reads the sample council from
``TOWNHALL_BENCH_FIXTURES`` (default ``fixtures/council``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

from gateway.app import tune_gc
from gateway.settings import ServerSettings
from schema.ids import global_id, parse_global_id

FIXTURES = Path(os.environ.get("TOWNHALL_BENCH_FIXTURES", "fixtures/council"))


def _load() -> tuple[dict[str, Any], dict[str, list[str]], dict[str, Any], dict[str, Any]]:
    people = {p["guid"]: p for p in json.loads((FIXTURES / "people.json").read_text()) if p["guid"]}
    by_account = {p["sAMAccountName"]: p for p in people.values()}
    reports: dict[str, list[str]] = {}
    for p in people.values():
        if p["managerSAM"] in by_account:
            reports.setdefault(by_account[p["managerSAM"]]["guid"], []).append(p["guid"])
    hr = {}
    for user in json.loads((FIXTURES / "hr" / "users.json").read_text()):
        ext = user.get("urn:townhall:scim:schemas:extension:council:2.0:Employee", {})
        hr[user["userName"].lower()] = ext
    social = json.loads((FIXTURES / "social.json").read_text())
    followers: dict[str, int] = {}
    for follow in social["follows"]:
        followers[follow["followee"]] = followers.get(follow["followee"], 0) + 1
    docs = {
        d["path"]: d for d in json.loads((FIXTURES / "documents.json").read_text())["documents"]
    }
    comments: dict[str, list[dict[str, Any]]] = {}
    for c in social["comments"]:
        comments.setdefault(c["path"], []).append(c)
    for p in people.values():
        p["_followers"] = followers.get(p["guid"], 0)
    for c in sorted(social["comments"], key=lambda c: c["created"], reverse=True):
        if c["author"] in people:  # a person's activity, newest first
            people[c["author"]].setdefault("_activity", []).append(c)
    return people, reports, hr, {"docs": docs, "comments": comments}


PEOPLE, REPORTS, HR, DOCS = _load()
BY_ACCOUNT = {p["sAMAccountName"]: p for p in PEOPLE.values()}
BY_UPN = {p["userPrincipalName"].lower(): p for p in PEOPLE.values()}
ORDERED = sorted((p for p in PEOPLE.values() if p["enabled"]), key=lambda p: p["displayName"])


@strawberry.type
class Employment:
    grade: str | None
    job_title: str | None


@strawberry.type
class Person:
    data: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(global_id("Person", self.data["guid"]))

    @strawberry.field
    def display_name(self) -> str:
        return str(self.data["displayName"])

    @strawberry.field
    def title(self) -> str | None:
        return self.data["title"]

    @strawberry.field
    async def manager(self) -> Person | None:
        manager = BY_ACCOUNT.get(self.data["managerSAM"] or "")
        return Person(data=manager) if manager else None

    @strawberry.field
    async def direct_reports(self) -> list[Person]:
        return [Person(data=PEOPLE[g]) for g in REPORTS.get(self.data["guid"], [])]

    @strawberry.field
    async def employment(self) -> Employment | None:
        ext = HR.get(self.data["userPrincipalName"].lower())
        return Employment(grade=ext.get("grade"), job_title=self.data["title"]) if ext else None

    @strawberry.field
    async def follower_count(self) -> int:
        return int(self.data["_followers"])

    @strawberry.field
    async def activity(self, first: int = 20) -> ActivityConnection:
        items = []
        for c in self.data.get("_activity", [])[:first]:
            document = DOCS["docs"].get(c["path"], {}).get("title", "a document")
            summary = f"{self.data['displayName']} commented on {document}"
            items.append(ActivityItem(verb="commented", summary=summary))
        return ActivityConnection(nodes=items)


@strawberry.type
class ActivityItem:
    verb: str
    summary: str


@strawberry.type
class ActivityConnection:
    nodes: list[ActivityItem]


@strawberry.type
class PersonList:
    nodes: list[Person]
    total_count: int


@strawberry.type
class Comment:
    body: str
    author_guid: strawberry.Private[str]

    @strawberry.field
    async def author(self) -> Person | None:
        person = PEOPLE.get(self.author_guid)
        return Person(data=person) if person else None


@strawberry.type
class Document:
    data: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def title(self) -> str:
        return str(self.data["title"])

    @strawberry.field
    async def author(self) -> Person | None:
        person = BY_UPN.get(self.data["author"].lower())
        return Person(data=person) if person else None

    @strawberry.field
    async def comments(self, first: int = 20) -> list[Comment]:
        rows = DOCS["comments"].get(self.data["path"], [])[:first]
        return [Comment(body=c["body"], author_guid=c["author"]) for c in rows]


@strawberry.type
class Query:
    @strawberry.field
    async def person(self, id: strawberry.ID) -> Person | None:
        _, guid = parse_global_id(id, "Person")
        data = PEOPLE.get(guid)
        return Person(data=data) if data else None

    @strawberry.field
    async def people(self, first: int = 20) -> PersonList:
        return PersonList(nodes=[Person(data=p) for p in ORDERED[:first]], total_count=len(ORDERED))

    @strawberry.field
    async def document(self, id: strawberry.ID) -> Document | None:
        _, path = parse_global_id(id, "Document")
        data = DOCS["docs"].get(path)
        return Document(data=data) if data else None


schema = strawberry.Schema(
    query=Query,
    extensions=[lambda: ParserCache(maxsize=512), lambda: ValidationCache(maxsize=512)],
)
app = GraphQL(schema, graphql_ide=None)
tune_gc(ServerSettings().gc_threshold)  # as Townhall does once started (a framework setting)
