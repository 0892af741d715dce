from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class GroupMembers(BaseModel):
    group: Optional["GroupMembersGroup"]


class GroupMembersGroup(BaseModel):
    id: str
    guid: str
    name: str
    description: Optional[str]
    follower_count: int = Field(alias="followerCount")
    members: Optional["GroupMembersGroupMembers"]


class GroupMembersGroupMembers(BaseModel):
    total_count: Optional[int] = Field(alias="totalCount")
    page_info: "GroupMembersGroupMembersPageInfo" = Field(alias="pageInfo")
    nodes: list["GroupMembersGroupMembersNodes"]


class GroupMembersGroupMembersPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class GroupMembersGroupMembersNodes(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")
    title: Optional[str]
    department: Optional[str]


GroupMembers.model_rebuild()
GroupMembersGroup.model_rebuild()
GroupMembersGroupMembers.model_rebuild()
