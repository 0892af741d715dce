from pydantic import Field

from .base_model import BaseModel


class TagInfo(BaseModel):
    tag: "TagInfoTag"


class TagInfoTag(BaseModel):
    name: str
    follower_count: int = Field(alias="followerCount")
    viewer_is_following: bool = Field(alias="viewerIsFollowing")
    viewer_is_notified: bool = Field(alias="viewerIsNotified")


TagInfo.model_rebuild()
