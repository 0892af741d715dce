from typing import Literal, Union

from pydantic import Field

from .base_model import BaseModel
from .enums import FollowKind


class Follow(BaseModel):
    follow: Union[
        "FollowFollowFollowTargetSuccess",
        "FollowFollowNotFoundError",
        "FollowFollowNotAllowedError",
        "FollowFollowInvalidInputError",
    ] = Field(discriminator="typename__")


class FollowFollowFollowTargetSuccess(BaseModel):
    typename__: Literal["FollowTargetSuccess"] = Field(alias="__typename")
    kind: FollowKind
    key: str
    following: bool
    notify: bool
    changed: bool


class FollowFollowNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class FollowFollowNotAllowedError(BaseModel):
    typename__: Literal["NotAllowedError"] = Field(alias="__typename")
    message: str


class FollowFollowInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


Follow.model_rebuild()
