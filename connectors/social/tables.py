"""The social store's tables (SQLAlchemy Core), the source of truth for migrations."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# What can be followed or commented on: a person (directory GUID), a document
# (store path), a group (directory GUID) or a tag.
TARGET_KINDS = ("person", "document", "group", "tag")

follows = Table(
    "follows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("follower", String(36), nullable=False),
    Column("target_kind", String(16), nullable=False),
    Column("target", String(1024), nullable=False),
    Column("notify", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("follower", "target_kind", "target", name="uq_follows_edge"),
    Index("ix_follows_target", "target_kind", "target", "id"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("author", String(36), nullable=False),
    Column("target_kind", String(16), nullable=False),
    Column("target", String(1024), nullable=False),
    Column("parent_id", String(36), ForeignKey("comments.id"), nullable=True),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("edited_at", DateTime(timezone=True), nullable=True),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Index("ix_comments_target", "target_kind", "target", "created_at"),
    Index("ix_comments_author", "author", "created_at"),
)
