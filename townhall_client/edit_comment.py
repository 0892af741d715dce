from datetime import datetime
from typing import Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel
from .enums import CommentState, MentionNotNotifiedReason


class EditComment(BaseModel):
    edit_comment: Union[
        "EditCommentEditCommentCommentSuccess",
        "EditCommentEditCommentNotFoundError",
        "EditCommentEditCommentNotAllowedError",
        "EditCommentEditCommentInvalidInputError",
        "EditCommentEditCommentRateLimitedError",
    ] = Field(alias="editComment", discriminator="typename__")


class EditCommentEditCommentCommentSuccess(BaseModel):
    typename__: Literal["CommentSuccess"] = Field(alias="__typename")
    replayed: bool
    comment: "EditCommentEditCommentCommentSuccessComment"
    not_notified: list["EditCommentEditCommentCommentSuccessNotNotified"] = Field(
        alias="notNotified"
    )


class EditCommentEditCommentCommentSuccessComment(BaseModel):
    id: str
    state: CommentState
    body_text: Optional[str] = Field(alias="bodyText")
    edited_at: Optional[datetime] = Field(alias="editedAt")


class EditCommentEditCommentCommentSuccessNotNotified(BaseModel):
    person: "EditCommentEditCommentCommentSuccessNotNotifiedPerson"
    reason: MentionNotNotifiedReason
    message: str


class EditCommentEditCommentCommentSuccessNotNotifiedPerson(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


class EditCommentEditCommentNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class EditCommentEditCommentNotAllowedError(BaseModel):
    typename__: Literal["NotAllowedError"] = Field(alias="__typename")
    message: str


class EditCommentEditCommentInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


class EditCommentEditCommentRateLimitedError(BaseModel):
    typename__: Literal["RateLimitedError"] = Field(alias="__typename")
    message: str
    retry_after_seconds: int = Field(alias="retryAfterSeconds")


EditComment.model_rebuild()
EditCommentEditCommentCommentSuccess.model_rebuild()
EditCommentEditCommentCommentSuccessNotNotified.model_rebuild()
