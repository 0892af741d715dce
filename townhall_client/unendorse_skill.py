from typing import Literal, Union

from pydantic import Field

from .base_model import BaseModel


class UnendorseSkill(BaseModel):
    unendorse_skill: Union[
        "UnendorseSkillUnendorseSkillEndorseSuccess",
        "UnendorseSkillUnendorseSkillNotFoundError",
        "UnendorseSkillUnendorseSkillNotAllowedError",
        "UnendorseSkillUnendorseSkillInvalidInputError",
    ] = Field(alias="unendorseSkill", discriminator="typename__")


class UnendorseSkillUnendorseSkillEndorseSuccess(BaseModel):
    typename__: Literal["EndorseSuccess"] = Field(alias="__typename")
    changed: bool
    person: "UnendorseSkillUnendorseSkillEndorseSuccessPerson"


class UnendorseSkillUnendorseSkillEndorseSuccessPerson(BaseModel):
    id: str
    profile: "UnendorseSkillUnendorseSkillEndorseSuccessPersonProfile"


class UnendorseSkillUnendorseSkillEndorseSuccessPersonProfile(BaseModel):
    skills: list["UnendorseSkillUnendorseSkillEndorseSuccessPersonProfileSkills"]


class UnendorseSkillUnendorseSkillEndorseSuccessPersonProfileSkills(BaseModel):
    name: str
    endorsement_count: int = Field(alias="endorsementCount")
    viewer_endorsed: bool = Field(alias="viewerEndorsed")


class UnendorseSkillUnendorseSkillNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class UnendorseSkillUnendorseSkillNotAllowedError(BaseModel):
    typename__: Literal["NotAllowedError"] = Field(alias="__typename")
    message: str


class UnendorseSkillUnendorseSkillInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


UnendorseSkill.model_rebuild()
UnendorseSkillUnendorseSkillEndorseSuccess.model_rebuild()
UnendorseSkillUnendorseSkillEndorseSuccessPerson.model_rebuild()
UnendorseSkillUnendorseSkillEndorseSuccessPersonProfile.model_rebuild()
