from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import ReportStatus


class MyReports(BaseModel):
    my_reports: list["MyReportsMyReports"] = Field(alias="myReports")


class MyReportsMyReports(BaseModel):
    id: str
    reason: str
    status: ReportStatus
    created_at: datetime = Field(alias="createdAt")
    decided_at: Optional[datetime] = Field(alias="decidedAt")
    note: Optional[str]
    item_kind: str = Field(alias="itemKind")
    item_id: str = Field(alias="itemId")


MyReports.model_rebuild()
