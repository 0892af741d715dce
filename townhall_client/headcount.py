from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class Headcount(BaseModel):
    headcount: "HeadcountHeadcount"


class HeadcountHeadcount(BaseModel):
    total: Optional[int]
    total_suppressed: bool = Field(alias="totalSuppressed")
    threshold: int
    cells: list["HeadcountHeadcountCells"]


class HeadcountHeadcountCells(BaseModel):
    values: list[Optional[str]]
    count: Optional[int]
    suppressed: bool
    label: str


Headcount.model_rebuild()
HeadcountHeadcount.model_rebuild()
