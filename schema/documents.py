"""Documents from the council's document store, trimmed to what each viewer may read.

Every record comes from the access gate (``Context.scope.documents``), which returns
only documents the viewer may read, so a ``Document`` is only ever made of one.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from connectors.documents import DocumentRecord

from .arguments import After, First
from .comments import Comment, ReactionCount, reaction_counts
from .context import Info
from .errors import BadInput, upstream
from .ids import global_id, parse_global_id
from .pagination import Connection, check_first, offset_page
from .people import Node, Person

if TYPE_CHECKING:
    from .activity import ActivityItem

ActivityItemType = Annotated["ActivityItem", strawberry.lazy("schema.activity")]

MAX_COMMENTS = 200
MAX_SEARCH = 200


@strawberry.type(
    description="A document in the council's document store. Only documents the viewer may "
    "read are ever returned: a hidden document looks exactly like a missing one."
)
class Document(Node):
    record: strawberry.Private[DocumentRecord]

    @classmethod
    def of(cls, record: DocumentRecord) -> Document:
        return cls(id=strawberry.ID(global_id("Document", record.path)), record=record)

    @strawberry.field(description="Path in the store, from its root. Source: documents.")
    def path(self) -> str:
        return self.record.path

    @strawberry.field(description="File name. Source: documents.")
    def name(self) -> str:
        return self.record.file_name

    @strawberry.field(description="Title, where the store keeps one; else the file name.")
    def title(self) -> str:
        return self.record.title or self.record.file_name

    @strawberry.field(description="Folder holding the document. Source: documents.")
    def folder(self) -> str:
        return self.record.folder

    @strawberry.field(description="MIME type. Source: documents.")
    def content_type(self) -> str | None:
        return self.record.content_type

    @strawberry.field(description="Size in bytes. Source: documents.")
    def size(self) -> int | None:
        return self.record.size

    @strawberry.field(description="When the document was created. Source: documents.")
    def created_at(self) -> datetime | None:
        return self.record.created_at

    @strawberry.field(description="When the document last changed. Source: documents.")
    def modified_at(self) -> datetime | None:
        return self.record.modified_at

    @strawberry.field(description="Tags the store keeps on the document. Source: documents.")
    def tags(self) -> list[str]:
        return list(self.record.tags)

    @strawberry.field(
        description="A link that streams the content (with Range) to the viewer, signed and "
        "expiring (usable in an <a href>); null where the gateway serves no downloads."
    )
    def download_url(self, info: Info) -> str | None:
        return info.context.scope.documents.download_url(self.record.path)

    @strawberry.field(description="Who wrote it (resolved in the directory).")
    async def author(self, info: Info) -> Person | None:
        return await _person_by_upn(info, self.record.author)

    @strawberry.field(description="Who changed it last (resolved in the directory).")
    async def last_editor(self, info: Info) -> Person | None:
        return await _person_by_upn(info, self.record.last_editor)

    @strawberry.field(description="How many people follow this document. Source: Townhall.")
    async def follower_count(self, info: Info) -> int:
        return await upstream(info.context.scope.follows.count("document", self.record.path))

    @strawberry.field(description="Whether the signed-in viewer follows this document.")
    async def viewer_is_following(self, info: Info) -> bool:
        return await upstream(
            info.context.scope.follows.viewer_follows("document", self.record.path)
        )

    @strawberry.field(description="How many comments the document has. Source: Townhall.")
    async def comment_count(self, info: Info) -> int:
        return await upstream(info.context.scope.comments.count("document", self.record.path))

    @strawberry.field(description="Comments on the document, oldest first. Source: Townhall.")
    async def comments(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description="How many comments, oldest first: 0 to 200.")
        ] = 50,
    ) -> list[Comment]:
        if first < 0 or first > MAX_COMMENTS:
            raise BadInput(f"`first` must be between 0 and {MAX_COMMENTS}.", field="first")
        rows = await upstream(
            info.context.scope.comments.live("document", self.record.path, limit=first)
        )
        return [Comment.of(r) for r in rows]

    @strawberry.field(
        description="Top-level comments, oldest first, keyset-paged; replies hang off each "
        "(deleted and hidden ones keep their place). Source: Townhall."
    )
    async def comment_thread(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Comment]:
        from .discussion import comment_thread

        return await comment_thread(info, "document", self.record.path, first, after)

    @strawberry.field(description="Reactions to the document. Source: Townhall.")
    async def reactions(self, info: Info) -> list[ReactionCount]:
        return await reaction_counts(info, "document", self.record.path)

    @strawberry.field(description="What happened around the document, newest first, aggregated.")
    async def activity(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[ActivityItemType]:
        from .activity import document_activity

        return await document_activity(info, self.record.path, first, after)


async def _person_by_upn(info: Info, upn: str | None) -> Person | None:
    if not upn:
        return None
    found = await upstream(info.context.loaders.person_by_upn.load(upn))
    return Person.of(found) if found else None


async def readable_document(info: Info, path: str) -> Document | None:
    record = await upstream(info.context.scope.documents.get(path))
    return Document.of(record) if record else None


@strawberry.type
class DocumentQueries:
    @strawberry.field(description="A document by its global id; null if missing or not readable.")
    async def document(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The document's global id (`Document.id`)."),
        ],
    ) -> Document | None:
        _, path = parse_global_id(id, "Document")
        return await readable_document(info, path)

    @strawberry.field(
        description="Documents the viewer may read, newest first; `folder` limits the list to "
        "one folder and everything below it."
    )
    async def documents(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        folder: Annotated[
            str | None,
            strawberry.argument(
                description="A folder's path from the store's root, e.g. `Planning/Plans` (at "
                "most 1,024 characters); null: the whole store."
            ),
        ] = None,
    ) -> Connection[Document] | None:
        check_first(first)
        prefix = (folder or "").strip("/")
        if len(prefix) > 1024:
            raise BadInput("`folder` is too long.", field="folder")
        visible = await upstream(info.context.scope.documents.in_folder(prefix))
        visible.sort(key=lambda d: (d.modified_at is not None, d.modified_at, d.path), reverse=True)
        return offset_page(visible, first, after, Document.of)

    @strawberry.field(
        description="Documents the viewer may read whose title, name, path, author, editor, "
        "tags or text (plain-text formats) contain every word of `query` (as word prefixes), "
        "best match first. Source: Townhall's index of the document store."
    )
    async def search_documents(
        self,
        info: Info,
        query: Annotated[
            str,
            strawberry.argument(
                description="Words to find, at most 200 characters; each matches as the start of "
                "a word."
            ),
        ],
        first: First = 20,
        after: After = None,
    ) -> Connection[Document] | None:
        check_first(first)
        text = " ".join(query.split())
        if len(text) > MAX_SEARCH:
            raise BadInput(f"`query` is longer than {MAX_SEARCH} characters.", field="query")
        visible = await upstream(info.context.scope.documents.search(text.casefold()))
        return offset_page(visible, first, after, Document.of)
