from typing import Literal, Union

from pydantic import Field

from .base_model import BaseModel
from .enums import ReactionKind


class Unreact(BaseModel):
    unreact: Union[
        "UnreactUnreactReactionSuccess",
        "UnreactUnreactNotFoundError",
        "UnreactUnreactInvalidInputError",
    ] = Field(discriminator="typename__")


class UnreactUnreactReactionSuccess(BaseModel):
    typename__: Literal["ReactionSuccess"] = Field(alias="__typename")
    changed: bool
    reactions: list["UnreactUnreactReactionSuccessReactions"]


class UnreactUnreactReactionSuccessReactions(BaseModel):
    kind: ReactionKind
    count: int
    viewer_reacted: bool = Field(alias="viewerReacted")


class UnreactUnreactNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class UnreactUnreactInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


Unreact.model_rebuild()
UnreactUnreactReactionSuccess.model_rebuild()
