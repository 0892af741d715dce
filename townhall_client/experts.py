from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import ExpertReasonKind


class Experts(BaseModel):
    experts: list["ExpertsExperts"]


class ExpertsExperts(BaseModel):
    score: float
    person: "ExpertsExpertsPerson"
    reasons: list["ExpertsExpertsReasons"]


class ExpertsExpertsPerson(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")
    title: Optional[str]
    department: Optional[str]


class ExpertsExpertsReasons(BaseModel):
    kind: ExpertReasonKind
    detail: str
    weight: float
    related_term: Optional[str] = Field(alias="relatedTerm")


Experts.model_rebuild()
ExpertsExperts.model_rebuild()
