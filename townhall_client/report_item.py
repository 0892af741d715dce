from typing import Literal, Union

from pydantic import Field

from .base_model import BaseModel
from .enums import ReportStatus


class ReportItem(BaseModel):
    report_item: Union[
        "ReportItemReportItemReportSuccess",
        "ReportItemReportItemNotFoundError",
        "ReportItemReportItemInvalidInputError",
    ] = Field(alias="reportItem", discriminator="typename__")


class ReportItemReportItemReportSuccess(BaseModel):
    typename__: Literal["ReportSuccess"] = Field(alias="__typename")
    replayed: bool
    report: "ReportItemReportItemReportSuccessReport"


class ReportItemReportItemReportSuccessReport(BaseModel):
    id: str
    status: ReportStatus
    reason: str


class ReportItemReportItemNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class ReportItemReportItemInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


ReportItem.model_rebuild()
ReportItemReportItemReportSuccess.model_rebuild()
