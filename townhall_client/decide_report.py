from typing import Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel
from .enums import ReportStatus


class DecideReport(BaseModel):
    decide_report: Union[
        "DecideReportDecideReportDecideSuccess",
        "DecideReportDecideReportNotFoundError",
        "DecideReportDecideReportNotAllowedError",
        "DecideReportDecideReportInvalidInputError",
    ] = Field(alias="decideReport", discriminator="typename__")


class DecideReportDecideReportDecideSuccess(BaseModel):
    typename__: Literal["DecideSuccess"] = Field(alias="__typename")
    settled: int
    report: "DecideReportDecideReportDecideSuccessReport"


class DecideReportDecideReportDecideSuccessReport(BaseModel):
    id: str
    status: ReportStatus
    note: Optional[str]


class DecideReportDecideReportNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class DecideReportDecideReportNotAllowedError(BaseModel):
    typename__: Literal["NotAllowedError"] = Field(alias="__typename")
    message: str


class DecideReportDecideReportInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


DecideReport.model_rebuild()
DecideReportDecideReportDecideSuccess.model_rebuild()
