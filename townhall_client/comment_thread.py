from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import CommentState, ReactionKind


class CommentThread(BaseModel):
    document: Optional["CommentThreadDocument"]


class CommentThreadDocument(BaseModel):
    id: str
    title: str
    comment_count: int = Field(alias="commentCount")
    comment_thread: "CommentThreadDocumentCommentThread" = Field(alias="commentThread")


class CommentThreadDocumentCommentThread(BaseModel):
    total_count: Optional[int] = Field(alias="totalCount")
    page_info: "CommentThreadDocumentCommentThreadPageInfo" = Field(alias="pageInfo")
    nodes: list["CommentThreadDocumentCommentThreadNodes"]


class CommentThreadDocumentCommentThreadPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class CommentThreadDocumentCommentThreadNodes(BaseModel):
    id: str
    state: CommentState
    body_text: Optional[str] = Field(alias="bodyText")
    created_at: datetime = Field(alias="createdAt")
    edited_at: Optional[datetime] = Field(alias="editedAt")
    viewer_can_edit: bool = Field(alias="viewerCanEdit")
    author: Optional["CommentThreadDocumentCommentThreadNodesAuthor"]
    reactions: list["CommentThreadDocumentCommentThreadNodesReactions"]
    replies: list["CommentThreadDocumentCommentThreadNodesReplies"]


class CommentThreadDocumentCommentThreadNodesAuthor(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


class CommentThreadDocumentCommentThreadNodesReactions(BaseModel):
    kind: ReactionKind
    count: int
    viewer_reacted: bool = Field(alias="viewerReacted")


class CommentThreadDocumentCommentThreadNodesReplies(BaseModel):
    id: str
    state: CommentState
    body_text: Optional[str] = Field(alias="bodyText")
    author: Optional["CommentThreadDocumentCommentThreadNodesRepliesAuthor"]


class CommentThreadDocumentCommentThreadNodesRepliesAuthor(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


CommentThread.model_rebuild()
CommentThreadDocument.model_rebuild()
CommentThreadDocumentCommentThread.model_rebuild()
CommentThreadDocumentCommentThreadNodes.model_rebuild()
CommentThreadDocumentCommentThreadNodesReplies.model_rebuild()
