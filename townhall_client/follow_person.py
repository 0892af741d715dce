from typing import Literal, Union

from pydantic import Field

from .base_model import BaseModel


class FollowPerson(BaseModel):
    follow_person: Union[
        "FollowPersonFollowPersonFollowSuccess",
        "FollowPersonFollowPersonNotFoundError",
        "FollowPersonFollowPersonNotAllowedError",
        "FollowPersonFollowPersonInvalidInputError",
    ] = Field(alias="followPerson", discriminator="typename__")


class FollowPersonFollowPersonFollowSuccess(BaseModel):
    typename__: Literal["FollowSuccess"] = Field(alias="__typename")
    changed: bool
    person: "FollowPersonFollowPersonFollowSuccessPerson"


class FollowPersonFollowPersonFollowSuccessPerson(BaseModel):
    id: str
    follower_count: int = Field(alias="followerCount")
    viewer_is_following: bool = Field(alias="viewerIsFollowing")


class FollowPersonFollowPersonNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class FollowPersonFollowPersonNotAllowedError(BaseModel):
    typename__: Literal["NotAllowedError"] = Field(alias="__typename")
    message: str


class FollowPersonFollowPersonInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")


FollowPerson.model_rebuild()
FollowPersonFollowPersonFollowSuccess.model_rebuild()
