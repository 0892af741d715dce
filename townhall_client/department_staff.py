from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class DepartmentStaff(BaseModel):
    group: Optional["DepartmentStaffGroup"]


class DepartmentStaffGroup(BaseModel):
    name: str
    members: Optional["DepartmentStaffGroupMembers"]


class DepartmentStaffGroupMembers(BaseModel):
    total_count: Optional[int] = Field(alias="totalCount")
    page_info: "DepartmentStaffGroupMembersPageInfo" = Field(alias="pageInfo")
    nodes: list["DepartmentStaffGroupMembersNodes"]


class DepartmentStaffGroupMembersPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class DepartmentStaffGroupMembersNodes(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")
    title: Optional[str]
    department: Optional[str]
    mail: Optional[str]
    employment: Optional["DepartmentStaffGroupMembersNodesEmployment"]


class DepartmentStaffGroupMembersNodesEmployment(BaseModel):
    working_pattern: Optional[str] = Field(alias="workingPattern")
    work_style: Optional[str] = Field(alias="workStyle")
    work_location: Optional[str] = Field(alias="workLocation")


DepartmentStaff.model_rebuild()
DepartmentStaffGroup.model_rebuild()
DepartmentStaffGroupMembers.model_rebuild()
DepartmentStaffGroupMembersNodes.model_rebuild()
