from datetime import date
from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class PersonCard(BaseModel):
    person: Optional["PersonCardPerson"]


class PersonCardPerson(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")
    title: Optional[str]
    department: Optional[str]
    office: Optional[str]
    manager: Optional["PersonCardPersonManager"]
    direct_reports: Optional[list["PersonCardPersonDirectReports"]] = Field(
        alias="directReports"
    )
    employment: Optional["PersonCardPersonEmployment"]
    groups: list["PersonCardPersonGroups"]
    follower_count: int = Field(alias="followerCount")
    viewer_is_following: bool = Field(alias="viewerIsFollowing")


class PersonCardPersonManager(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


class PersonCardPersonDirectReports(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")
    title: Optional[str]


class PersonCardPersonEmployment(BaseModel):
    job_title: Optional[str] = Field(alias="jobTitle")
    department: Optional[str]
    work_location: Optional[str] = Field(alias="workLocation")
    working_pattern: Optional[str] = Field(alias="workingPattern")
    work_style: Optional[str] = Field(alias="workStyle")
    start_date: Optional[date] = Field(alias="startDate")
    grade: Optional[str]


class PersonCardPersonGroups(BaseModel):
    id: str
    name: str


PersonCard.model_rebuild()
PersonCardPerson.model_rebuild()
