from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class Me(BaseModel):
    me: "MeMe"


class MeMe(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")
    title: Optional[str]
    department: Optional[str]
    manager: Optional["MeMeManager"]


class MeMeManager(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


Me.model_rebuild()
MeMe.model_rebuild()
