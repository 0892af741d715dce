from typing import Literal, Union

from pydantic import Field

from .base_model import BaseModel
from .enums import FollowKind


class Unfollow(BaseModel):
    unfollow: Union[
        "UnfollowUnfollowFollowTargetSuccess",
        "UnfollowUnfollowNotFoundError",
        "UnfollowUnfollowNotAllowedError",
        "UnfollowUnfollowInvalidInputError",
    ] = Field(discriminator="typename__")


class UnfollowUnfollowFollowTargetSuccess(BaseModel):
    typename__: Literal["FollowTargetSuccess"] = Field(alias="__typename")
    kind: FollowKind
    key: str
    following: bool
    notify: bool
    changed: bool


class UnfollowUnfollowNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class UnfollowUnfollowNotAllowedError(BaseModel):
    typename__: Literal["NotAllowedError"] = Field(alias="__typename")
    message: str


class UnfollowUnfollowInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


Unfollow.model_rebuild()
