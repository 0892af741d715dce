from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import FieldSource


class ProfileOf(BaseModel):
    person: Optional["ProfileOfPerson"]


class ProfileOfPerson(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")
    profile: "ProfileOfPersonProfile"


class ProfileOfPersonProfile(BaseModel):
    about: Optional["ProfileOfPersonProfileAbout"]
    pronouns: Optional["ProfileOfPersonProfilePronouns"]
    working_hours: Optional["ProfileOfPersonProfileWorkingHours"] = Field(
        alias="workingHours"
    )
    working_pattern: Optional["ProfileOfPersonProfileWorkingPattern"] = Field(
        alias="workingPattern"
    )
    job_title: Optional["ProfileOfPersonProfileJobTitle"] = Field(alias="jobTitle")
    skills: list["ProfileOfPersonProfileSkills"]
    interests: list[str]
    ask_me_about: list[str] = Field(alias="askMeAbout")


class ProfileOfPersonProfileAbout(BaseModel):
    value: str
    source: FieldSource
    changed_at: Optional[datetime] = Field(alias="changedAt")


class ProfileOfPersonProfilePronouns(BaseModel):
    value: str
    source: FieldSource


class ProfileOfPersonProfileWorkingHours(BaseModel):
    value: str
    source: FieldSource


class ProfileOfPersonProfileWorkingPattern(BaseModel):
    value: str
    source: FieldSource


class ProfileOfPersonProfileJobTitle(BaseModel):
    value: str
    source: FieldSource


class ProfileOfPersonProfileSkills(BaseModel):
    name: str
    endorsement_count: int = Field(alias="endorsementCount")
    viewer_endorsed: bool = Field(alias="viewerEndorsed")


ProfileOf.model_rebuild()
ProfileOfPerson.model_rebuild()
ProfileOfPersonProfile.model_rebuild()
