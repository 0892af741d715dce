from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import CommentState


class CommentById(BaseModel):
    comment: Optional["CommentByIdComment"]


class CommentByIdComment(BaseModel):
    id: str
    state: CommentState
    body_text: Optional[str] = Field(alias="bodyText")
    created_at: datetime = Field(alias="createdAt")
    tags: list[str]
    author: Optional["CommentByIdCommentAuthor"]
    mentions: list["CommentByIdCommentMentions"]


class CommentByIdCommentAuthor(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


class CommentByIdCommentMentions(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


CommentById.model_rebuild()
CommentByIdComment.model_rebuild()
