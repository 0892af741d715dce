from typing import Literal, Union

from pydantic import Field

from .base_model import BaseModel


class EndorseSkill(BaseModel):
    endorse_skill: Union[
        "EndorseSkillEndorseSkillEndorseSuccess",
        "EndorseSkillEndorseSkillNotFoundError",
        "EndorseSkillEndorseSkillNotAllowedError",
        "EndorseSkillEndorseSkillInvalidInputError",
    ] = Field(alias="endorseSkill", discriminator="typename__")


class EndorseSkillEndorseSkillEndorseSuccess(BaseModel):
    typename__: Literal["EndorseSuccess"] = Field(alias="__typename")
    changed: bool
    person: "EndorseSkillEndorseSkillEndorseSuccessPerson"


class EndorseSkillEndorseSkillEndorseSuccessPerson(BaseModel):
    id: str
    profile: "EndorseSkillEndorseSkillEndorseSuccessPersonProfile"


class EndorseSkillEndorseSkillEndorseSuccessPersonProfile(BaseModel):
    skills: list["EndorseSkillEndorseSkillEndorseSuccessPersonProfileSkills"]


class EndorseSkillEndorseSkillEndorseSuccessPersonProfileSkills(BaseModel):
    name: str
    endorsement_count: int = Field(alias="endorsementCount")
    viewer_endorsed: bool = Field(alias="viewerEndorsed")


class EndorseSkillEndorseSkillNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class EndorseSkillEndorseSkillNotAllowedError(BaseModel):
    typename__: Literal["NotAllowedError"] = Field(alias="__typename")
    message: str


class EndorseSkillEndorseSkillInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


EndorseSkill.model_rebuild()
EndorseSkillEndorseSkillEndorseSuccess.model_rebuild()
EndorseSkillEndorseSkillEndorseSuccessPerson.model_rebuild()
EndorseSkillEndorseSkillEndorseSuccessPersonProfile.model_rebuild()
