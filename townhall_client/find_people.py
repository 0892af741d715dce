from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class FindPeople(BaseModel):
    people: "FindPeoplePeople"


class FindPeoplePeople(BaseModel):
    total_count: Optional[int] = Field(alias="totalCount")
    page_info: "FindPeoplePeoplePageInfo" = Field(alias="pageInfo")
    nodes: list["FindPeoplePeopleNodes"]


class FindPeoplePeoplePageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class FindPeoplePeopleNodes(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")
    title: Optional[str]
    department: Optional[str]
    office: Optional[str]


FindPeople.model_rebuild()
FindPeoplePeople.model_rebuild()
