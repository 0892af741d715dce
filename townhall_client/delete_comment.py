from typing import Literal, Union

from pydantic import Field

from .base_model import BaseModel
from .enums import CommentState


class DeleteComment(BaseModel):
    delete_comment: Union[
        "DeleteCommentDeleteCommentCommentSuccess",
        "DeleteCommentDeleteCommentNotFoundError",
        "DeleteCommentDeleteCommentNotAllowedError",
        "DeleteCommentDeleteCommentInvalidInputError",
        "DeleteCommentDeleteCommentRateLimitedError",
    ] = Field(alias="deleteComment", discriminator="typename__")


class DeleteCommentDeleteCommentCommentSuccess(BaseModel):
    typename__: Literal["CommentSuccess"] = Field(alias="__typename")
    replayed: bool
    comment: "DeleteCommentDeleteCommentCommentSuccessComment"


class DeleteCommentDeleteCommentCommentSuccessComment(BaseModel):
    id: str
    state: CommentState


class DeleteCommentDeleteCommentNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class DeleteCommentDeleteCommentNotAllowedError(BaseModel):
    typename__: Literal["NotAllowedError"] = Field(alias="__typename")
    message: str


class DeleteCommentDeleteCommentInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


class DeleteCommentDeleteCommentRateLimitedError(BaseModel):
    typename__: Literal["RateLimitedError"] = Field(alias="__typename")


DeleteComment.model_rebuild()
DeleteCommentDeleteCommentCommentSuccess.model_rebuild()
