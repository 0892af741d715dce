"""The social store's tables (SQLAlchemy Core), the source of truth for migrations.

Counts (followers, comments, reactions) are never stored: they are counted from
the rows, so concurrent writers cannot leave a counter that disagrees with them.
"""

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
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# What can be followed: a person (directory GUID), a document (store path), a
# group (directory GUID) or a tag (normalised name).
TARGET_KINDS = ("person", "document", "group", "tag")
# What can be commented on: a person's profile, a document, an activity item.
COMMENT_TARGETS = ("person", "document", "activity")
# What can be reacted to and reported.
REACTION_TARGETS = ("comment", "activity", "document")
REPORT_TARGETS = ("comment", "activity")

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
    # Added by 0002: who deleted it, when a moderator hid it, and the document the
    # thread lives under (the comment's own target, or its activity item's), so
    # that visibility is checked without walking the thread.
    Column("deleted_by", String(36), nullable=True),
    Column("hidden_at", DateTime(timezone=True), nullable=True),
    Column("document", String(1024), nullable=True),
    Index("ix_comments_target", "target_kind", "target", "created_at"),
    Index("ix_comments_author", "author", "created_at"),
    Index("ix_comments_parent", "parent_id"),
)

# Each edit keeps the text it replaced.
comment_revisions = Table(
    "comment_revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("comment_id", String(36), ForeignKey("comments.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("written_at", DateTime(timezone=True), nullable=False),
    Column("replaced_at", DateTime(timezone=True), nullable=False),
    Column("replaced_by", String(36), nullable=False),
    Index("ix_comment_revisions_comment", "comment_id", "id"),
)

reactions = Table(
    "reactions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person", String(36), nullable=False),
    Column("target_kind", String(16), nullable=False),
    Column("target", String(1024), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("document", String(1024), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("person", "target_kind", "target", "kind", name="uq_reactions_one_each"),
    Index("ix_reactions_target", "target_kind", "target", "kind"),
)

# #tags on comments and activity items. An activity item's id is written zero-padded
# (``activity_tag_id``) so that the (tag, kind, id) index reads a tag's newest items
# first and a feed page stops after ``limit`` rows.
item_tags = Table(
    "item_tags",
    metadata,
    Column("item_kind", String(16), primary_key=True),
    Column("item_id", String(36), primary_key=True),
    Column("tag", String(64), primary_key=True),
    Index("ix_item_tags_tag", "tag", "item_kind", "item_id"),
)

mentions = Table(
    "mentions",
    metadata,
    Column("comment_id", String(36), ForeignKey("comments.id"), primary_key=True),
    Column("person", String(36), primary_key=True),
    Index("ix_mentions_person", "person"),
)

# Who has been told of being mentioned in each comment (added by 0006). An edit rewrites
# ``mentions`` but never removes these rows, so a mention taken out and put back by later
# edits tells nobody twice; the primary key holds that even for edits that race.
mention_notices = Table(
    "mention_notices",
    metadata,
    Column("comment_id", String(36), ForeignKey("comments.id"), primary_key=True),
    Column("person", String(36), primary_key=True),
    Column("notified_at", DateTime(timezone=True), nullable=False),
)

# The event model: actor, verb, object, target, audience, time.
activity = Table(
    "activity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("actor", String(36), nullable=False),
    Column("verb", String(32), nullable=False),
    Column("object_kind", String(16), nullable=False),
    Column("object_id", String(1024), nullable=False),
    Column("target_kind", String(16), nullable=True),
    Column("target_id", String(1024), nullable=True),
    # "staff" (anyone signed in) or "document" (readers of ``document`` only).
    Column("audience", String(16), nullable=False),
    Column("document", String(1024), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("hidden_at", DateTime(timezone=True), nullable=True),
    # Feeds read these backwards, newest first; on PostgreSQL they carry what a feed
    # filters by, so a page is read from the index alone (added by 0011).
    Index("ix_activity_actor", "actor", "id", postgresql_include=["verb", "hidden_at"]),
    Index(
        "ix_activity_document",
        "document",
        "id",
        postgresql_include=["actor", "verb", "hidden_at"],
    ),
    Index(
        "ix_activity_target",
        "target_kind",
        "target_id",
        "id",
        postgresql_include=["actor", "verb", "hidden_at"],
    ),
    Index("ix_activity_object", "object_kind", "object_id"),  # added by 0009
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recipient", String(36), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("activity_id", Integer, ForeignKey("activity.id"), nullable=True),
    Column("report_id", String(36), nullable=True),
    Column("actor", String(36), nullable=True),
    Column("document", String(1024), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=True),
    Index("ix_notifications_recipient", "recipient", "id"),
    Index("ix_notifications_unread", "recipient", "read_at"),
    Index("ix_notifications_activity", "activity_id"),  # added by 0009: erasure's FK checks
)

# Profile text fields the person edits (about, pronouns, working hours...).
profile_fields = Table(
    "profile_fields",
    metadata,
    Column("person", String(36), primary_key=True),
    Column("field", String(32), primary_key=True),
    Column("value", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

# Skills, interests and ask-me-about topics, as normalised tags.
profile_tags = Table(
    "profile_tags",
    metadata,
    Column("person", String(36), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("tag", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_profile_tags_tag", "kind", "tag"),
)

endorsements = Table(
    "endorsements",
    metadata,
    Column("endorser", String(36), primary_key=True),
    Column("person", String(36), primary_key=True),
    Column("skill", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_endorsements_person", "person", "skill"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("reporter", String(36), nullable=False),
    Column("item_kind", String(16), nullable=False),
    Column("item_id", String(36), nullable=False),
    Column("reason", Text, nullable=False),
    Column("document", String(1024), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # open | hidden | dismissed
    Column("decided_by", String(36), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("note", Text, nullable=True),
    Index("ix_reports_status", "status", "created_at"),
    # Added by 0006: one open report per reporter per item. Reporting it again answers
    # the open report; once a moderator decides it, the item may be reported anew.
    Index(
        "uq_reports_open",
        "reporter",
        "item_kind",
        "item_id",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
)

# Client retry keys: a write and its key commit together, so a retried mutation
# finds the key and answers with what the first attempt did.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("actor", String(36), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("operation", String(32), nullable=False),
    Column("ref", String(1024), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def activity_tag_id(event_id: int) -> str:
    """An activity id as ``item_tags.item_id``: zero-padded, so text order is number order."""
    return f"{event_id:012d}"


# The last state of each person seen on the directory's change feed, so that a
# change can be told apart as joined, moved (team, title or manager) or left.
people_seen = Table(
    "people_seen",
    metadata,
    Column("guid", String(36), primary_key=True),
    Column("department", String(256), nullable=True),
    Column("title", String(256), nullable=True),
    Column("manager", String(1024), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)

# Where each upstream change feed was read up to (its opaque checkpoint).
feed_checkpoints = Table(
    "feed_checkpoints",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("checkpoint", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The last state of each HR record seen on the HR change feed: only the fields every
# member of staff may read (job title, department, place of work), never a restricted
# one. ``record`` is a digest of the HR system's id for the record, not the id itself: a
# CSV extract is usually keyed by employee number, which is restricted. ``guid`` is the
# directory account the record last joined, kept once a change of it was announced.
# The values are Text: HR does not bound them, and one too long would stop the feed.
hr_seen = Table(
    "hr_seen",
    metadata,
    Column("record", String(64), primary_key=True),
    Column("guid", String(36), nullable=True),
    Column("job_title", Text, nullable=True),
    Column("department", Text, nullable=True),
    Column("work_location", Text, nullable=True),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Index("ix_hr_seen_guid", "guid"),
)
