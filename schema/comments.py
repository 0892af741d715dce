"""Comments (threaded, edited with history, soft-deleted, moderated) and reactions.

Text is stored exactly as written and served two ways: ``bodyText``, the plain
text a client must render as text, and ``bodyHtml``, rendered here: the text
is HTML-escaped first (so nothing the author typed is ever markup), then
mentions, tags and line breaks become markup, and the result goes through nh3
(Ammonia, a maintained Rust sanitiser, where bleach is deprecated) with an
allow-list of ``p``, ``br`` and ``a`` carrying ``class``/``data-*`` only, as a
second wall should the first ever crack.
"""

from __future__ import annotations

import enum
import html
import re
from datetime import datetime

import nh3
import strawberry

from connectors.social import Comment as CommentRecord
from connectors.social import Revision

from .context import Info
from .errors import upstream
from .ids import global_id
from .people import Person

_MENTION_HTML = re.compile(r"(?<![\w@.&;])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})")
_TAG_HTML = re.compile(r"(?<![\w&#/;])#(\w[\w-]{0,63})")


def render_html(text: str) -> str:
    """Safe HTML for a plain-text comment."""
    escaped = html.escape(text, quote=True)
    escaped = _MENTION_HTML.sub(
        lambda m: f'<a class="mention" data-account="{m.group(1).rstrip(".-")}">@{m.group(1)}</a>',
        escaped,
    )
    escaped = _TAG_HTML.sub(
        lambda m: f'<a class="tag" data-tag="{m.group(1).casefold()}">#{m.group(1)}</a>', escaped
    )
    paragraphs = [p.replace("\n", "<br>") for p in re.split(r"\n{2,}", escaped.strip()) if p]
    rendered = "".join(f"<p>{p}</p>" for p in paragraphs)
    return nh3.clean(
        rendered,
        tags={"p", "br", "a"},
        attributes={"a": {"class", "data-account", "data-tag"}},
        url_schemes=set(),
        link_rel=None,
    )


@strawberry.enum(description="A comment's state; a deleted or hidden one keeps its place.")
class CommentState(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    PUBLISHED = strawberry.enum_value(
        "published", description="Shown to everyone who may see its item."
    )
    DELETED = strawberry.enum_value(
        "deleted",
        description="Deleted by its author or a moderator: its text is gone, it keeps its "
        "place so replies stay.",
    )
    HIDDEN = strawberry.enum_value(
        "hidden",
        description="Hidden by a moderator after a report: its text shows to moderators only.",
    )


@strawberry.enum(description="The fixed set of reactions; one of each per person per item.")
class ReactionKind(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    LIKE = strawberry.enum_value("like", description="Like.")
    THANKS = strawberry.enum_value("thanks", description="Thanks.")
    INSIGHTFUL = strawberry.enum_value("insightful", description="Insightful.")
    CELEBRATE = strawberry.enum_value("celebrate", description="Celebrate.")
    SUPPORT = strawberry.enum_value("support", description="Support.")


@strawberry.type(description="How many gave one reaction, and whether the viewer did.")
class ReactionCount:
    kind: ReactionKind = strawberry.field(description="The reaction.")
    count: int = strawberry.field(description="How many people gave it.")
    viewer_reacted: bool = strawberry.field(description="Whether the viewer gave it.")


async def reaction_counts(info: Info, kind: str, target: str) -> list[ReactionCount]:
    reactions = info.context.scope.reactions
    counts = await upstream(reactions.counts(kind, target))
    mine = await upstream(reactions.mine(kind, target))
    return [
        ReactionCount(kind=r, count=counts.get(r.value, 0), viewer_reacted=r.value in mine)
        for r in ReactionKind
        if counts.get(r.value) or r.value in mine
    ]


@strawberry.type(description="Text a comment held before an edit.")
class CommentRevision:
    body_text: str = strawberry.field(description="The earlier text, as written.")
    written_at: datetime = strawberry.field(description="When that text was written.")
    replaced_at: datetime = strawberry.field(description="When an edit replaced it.")

    @strawberry.field(description="Safe HTML rendering of the earlier text.")
    def body_html(self) -> str:
        return render_html(self.body_text)


@strawberry.type(
    description="A comment on a person's profile, a document or an activity item. The text "
    "is stored as written: show `bodyText` as text, or `bodyHtml` (sanitised) as HTML."
)
class Comment:
    record: strawberry.Private[CommentRecord]

    @classmethod
    def of(cls, record: CommentRecord) -> Comment:
        return cls(record=record)

    @strawberry.field(description="Global id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(global_id("Comment", self.record.id))

    @strawberry.field(description="Published, deleted (by its author or a moderator) or hidden.")
    def state(self) -> CommentState:
        if self.record.deleted_at:
            return CommentState.DELETED
        return CommentState.HIDDEN if self.record.hidden_at else CommentState.PUBLISHED

    async def _moderates(self, info: Info) -> bool:
        """Whether the viewer moderates this comment's item."""
        return await upstream(info.context.scope.moderation.may_moderate(self.record.document))

    async def _text(self, info: Info) -> str | None:
        if self.record.deleted_at or (self.record.hidden_at and not await self._moderates(info)):
            return None
        return self.record.body

    @strawberry.field(
        description="The text exactly as written; render it as text, never as HTML. Null when "
        "deleted, or hidden (except to moderators)."
    )
    async def body_text(self, info: Info) -> str | None:
        return await self._text(info)

    @strawberry.field(
        description="Same as `bodyText` (kept for older clients); render as text.",
        deprecation_reason="Use `bodyText` (or `bodyHtml`).",
    )
    async def body(self, info: Info) -> str | None:
        return await self._text(info)

    @strawberry.field(
        description="The text as safe HTML: escaped, with mentions and #tags as links "
        "(`a.mention[data-account]`, `a.tag[data-tag]`), sanitised by an allow-list."
    )
    async def body_html(self, info: Info) -> str | None:
        text = await self._text(info)
        return None if text is None else render_html(text)

    @strawberry.field(description="When it was written.")
    def created_at(self) -> datetime:
        return self.record.created_at

    @strawberry.field(description="When it was last edited; null if never.")
    def edited_at(self) -> datetime | None:
        return self.record.edited_at

    @strawberry.field(description="Who wrote it (kept for leavers).")
    async def author(self, info: Info) -> Person | None:
        found = await upstream(info.context.loaders.person.load(self.record.author))
        return Person.of(found) if found else None

    @strawberry.field(description="Id of the comment this one replies to, if any.")
    def reply_to(self) -> strawberry.ID | None:
        parent = self.record.parent_id
        return strawberry.ID(global_id("Comment", parent)) if parent else None

    @strawberry.field(description="Direct replies, oldest first (deleted ones keep their place).")
    async def replies(self, info: Info) -> list[Comment]:
        found = await upstream(info.context.scope.comments.replies(self.record.id))
        return [Comment.of(c) for c in found]

    @strawberry.field(description="The #tags in its text, normalised (follow them as tags).")
    async def tags(self, info: Info) -> list[str]:
        tags, _ = await upstream(info.context.scope.comments.links(self.record.id))
        return tags

    @strawberry.field(description="The people its @mentions resolved to.")
    async def mentions(self, info: Info) -> list[Person]:
        _, guids = await upstream(info.context.scope.comments.links(self.record.id))
        found = await upstream(info.context.loaders.person.load_many(guids))
        return [Person.of(p) for p in found if p is not None]

    @strawberry.field(description="Reactions given to this comment.")
    async def reactions(self, info: Info) -> list[ReactionCount]:
        return await reaction_counts(info, "comment", self.record.id)

    @strawberry.field(description="Whether the viewer may edit or delete it (author or moderator).")
    async def viewer_can_edit(self, info: Info) -> bool:
        if self.record.deleted_at:
            return False
        return self.record.author == info.context.viewer.guid or await self._moderates(info)

    @strawberry.field(
        description="Earlier texts, oldest first: shown to the author and moderators only."
    )
    async def revisions(self, info: Info) -> list[CommentRevision] | None:
        if self.record.author != info.context.viewer.guid and not await self._moderates(info):
            return None
        found: list[Revision] = await upstream(
            info.context.scope.comments.revisions(self.record.id)
        )
        return [
            CommentRevision(body_text=r.body, written_at=r.written_at, replaced_at=r.replaced_at)
            for r in found
        ]
