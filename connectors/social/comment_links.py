"""What each comment links to: its #tags and the people it mentions now (``mentions``,
rewritten by every edit; who was told of a mention is kept apart, see ``quotas``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from .base import StoreBase
from .tables import item_tags, mentions


class CommentLinksMixin(StoreBase):
    async def comment_links(self, ids: Sequence[str]) -> list[tuple[list[str], list[str]]]:
        """Each comment's (#tags, mentioned people), in key order."""
        found: dict[str, tuple[list[str], list[str]]] = {i: ([], []) for i in ids}
        tag_rows = await self._rows(
            select(item_tags.c.item_id, item_tags.c.tag)
            .where(item_tags.c.item_kind == "comment", item_tags.c.item_id.in_(set(ids)))
            .order_by(item_tags.c.tag)
        )
        for comment_id, tag in tag_rows:
            found[comment_id][0].append(tag)
        mention_rows = await self._rows(
            select(mentions.c.comment_id, mentions.c.person).where(
                mentions.c.comment_id.in_(set(ids))
            )
        )
        for comment_id, person in mention_rows:
            found[comment_id][1].append(person)
        return [found[i] for i in ids]
