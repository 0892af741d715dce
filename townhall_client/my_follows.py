from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import FollowKind


class MyFollows(BaseModel):
    my_follows: "MyFollowsMyFollows" = Field(alias="myFollows")


class MyFollowsMyFollows(BaseModel):
    total_count: Optional[int] = Field(alias="totalCount")
    page_info: "MyFollowsMyFollowsPageInfo" = Field(alias="pageInfo")
    nodes: list["MyFollowsMyFollowsNodes"]


class MyFollowsMyFollowsPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class MyFollowsMyFollowsNodes(BaseModel):
    kind: FollowKind
    key: str
    notify: bool
    followed_at: datetime = Field(alias="followedAt")
    person: Optional["MyFollowsMyFollowsNodesPerson"]
    document: Optional["MyFollowsMyFollowsNodesDocument"]
    group: Optional["MyFollowsMyFollowsNodesGroup"]
    tag: Optional["MyFollowsMyFollowsNodesTag"]


class MyFollowsMyFollowsNodesPerson(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


class MyFollowsMyFollowsNodesDocument(BaseModel):
    id: str
    title: str


class MyFollowsMyFollowsNodesGroup(BaseModel):
    id: str
    name: str


class MyFollowsMyFollowsNodesTag(BaseModel):
    name: str


MyFollows.model_rebuild()
MyFollowsMyFollows.model_rebuild()
MyFollowsMyFollowsNodes.model_rebuild()
