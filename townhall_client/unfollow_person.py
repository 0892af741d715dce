from typing import Literal, Union

from pydantic import Field

from .base_model import BaseModel


class UnfollowPerson(BaseModel):
    unfollow_person: Union[
        "UnfollowPersonUnfollowPersonFollowSuccess",
        "UnfollowPersonUnfollowPersonNotFoundError",
        "UnfollowPersonUnfollowPersonNotAllowedError",
        "UnfollowPersonUnfollowPersonInvalidInputError",
    ] = Field(alias="unfollowPerson", discriminator="typename__")


class UnfollowPersonUnfollowPersonFollowSuccess(BaseModel):
    typename__: Literal["FollowSuccess"] = Field(alias="__typename")
    changed: bool
    person: "UnfollowPersonUnfollowPersonFollowSuccessPerson"


class UnfollowPersonUnfollowPersonFollowSuccessPerson(BaseModel):
    id: str
    follower_count: int = Field(alias="followerCount")
    viewer_is_following: bool = Field(alias="viewerIsFollowing")


class UnfollowPersonUnfollowPersonNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class UnfollowPersonUnfollowPersonNotAllowedError(BaseModel):
    typename__: Literal["NotAllowedError"] = Field(alias="__typename")
    message: str


class UnfollowPersonUnfollowPersonInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")


UnfollowPerson.model_rebuild()
UnfollowPersonUnfollowPersonFollowSuccess.model_rebuild()
