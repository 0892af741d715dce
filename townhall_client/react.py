from typing import Literal, Union

from pydantic import Field

from .base_model import BaseModel
from .enums import ReactionKind


class React(BaseModel):
    react: Union[
        "ReactReactReactionSuccess",
        "ReactReactNotFoundError",
        "ReactReactInvalidInputError",
    ] = Field(discriminator="typename__")


class ReactReactReactionSuccess(BaseModel):
    typename__: Literal["ReactionSuccess"] = Field(alias="__typename")
    changed: bool
    reactions: list["ReactReactReactionSuccessReactions"]


class ReactReactReactionSuccessReactions(BaseModel):
    kind: ReactionKind
    count: int
    viewer_reacted: bool = Field(alias="viewerReacted")


class ReactReactNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class ReactReactInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


React.model_rebuild()
ReactReactReactionSuccess.model_rebuild()
