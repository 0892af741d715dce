from typing import Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel
from .enums import CommentState, MentionNotNotifiedReason


class AddComment(BaseModel):
    add_comment: Union[
        "AddCommentAddCommentCommentSuccess",
        "AddCommentAddCommentNotFoundError",
        "AddCommentAddCommentNotAllowedError",
        "AddCommentAddCommentInvalidInputError",
        "AddCommentAddCommentRateLimitedError",
    ] = Field(alias="addComment", discriminator="typename__")


class AddCommentAddCommentCommentSuccess(BaseModel):
    typename__: Literal["CommentSuccess"] = Field(alias="__typename")
    replayed: bool
    comment: "AddCommentAddCommentCommentSuccessComment"
    not_notified: list["AddCommentAddCommentCommentSuccessNotNotified"] = Field(
        alias="notNotified"
    )


class AddCommentAddCommentCommentSuccessComment(BaseModel):
    id: str
    state: CommentState
    body_text: Optional[str] = Field(alias="bodyText")
    tags: list[str]
    mentions: list["AddCommentAddCommentCommentSuccessCommentMentions"]


class AddCommentAddCommentCommentSuccessCommentMentions(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


class AddCommentAddCommentCommentSuccessNotNotified(BaseModel):
    person: "AddCommentAddCommentCommentSuccessNotNotifiedPerson"
    reason: MentionNotNotifiedReason
    message: str


class AddCommentAddCommentCommentSuccessNotNotifiedPerson(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


class AddCommentAddCommentNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class AddCommentAddCommentNotAllowedError(BaseModel):
    typename__: Literal["NotAllowedError"] = Field(alias="__typename")
    message: str


class AddCommentAddCommentInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


class AddCommentAddCommentRateLimitedError(BaseModel):
    typename__: Literal["RateLimitedError"] = Field(alias="__typename")
    message: str
    retry_after_seconds: int = Field(alias="retryAfterSeconds")


AddComment.model_rebuild()
AddCommentAddCommentCommentSuccess.model_rebuild()
AddCommentAddCommentCommentSuccessComment.model_rebuild()
AddCommentAddCommentCommentSuccessNotNotified.model_rebuild()
