from typing import Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel


class UpdateProfile(BaseModel):
    update_profile: Union[
        "UpdateProfileUpdateProfileProfileSuccess",
        "UpdateProfileUpdateProfileInvalidInputError",
    ] = Field(alias="updateProfile", discriminator="typename__")


class UpdateProfileUpdateProfileProfileSuccess(BaseModel):
    typename__: Literal["ProfileSuccess"] = Field(alias="__typename")
    person: "UpdateProfileUpdateProfileProfileSuccessPerson"


class UpdateProfileUpdateProfileProfileSuccessPerson(BaseModel):
    id: str
    profile: "UpdateProfileUpdateProfileProfileSuccessPersonProfile"


class UpdateProfileUpdateProfileProfileSuccessPersonProfile(BaseModel):
    about: Optional["UpdateProfileUpdateProfileProfileSuccessPersonProfileAbout"]
    skills: list["UpdateProfileUpdateProfileProfileSuccessPersonProfileSkills"]
    interests: list[str]
    ask_me_about: list[str] = Field(alias="askMeAbout")


class UpdateProfileUpdateProfileProfileSuccessPersonProfileAbout(BaseModel):
    value: str


class UpdateProfileUpdateProfileProfileSuccessPersonProfileSkills(BaseModel):
    name: str


class UpdateProfileUpdateProfileInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


UpdateProfile.model_rebuild()
UpdateProfileUpdateProfileProfileSuccess.model_rebuild()
UpdateProfileUpdateProfileProfileSuccessPerson.model_rebuild()
UpdateProfileUpdateProfileProfileSuccessPersonProfile.model_rebuild()
