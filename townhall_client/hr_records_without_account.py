from datetime import date
from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class HRRecordsWithoutAccount(BaseModel):
    hr_records_without_account: "HRRecordsWithoutAccountHrRecordsWithoutAccount" = (
        Field(alias="hrRecordsWithoutAccount")
    )


class HRRecordsWithoutAccountHrRecordsWithoutAccount(BaseModel):
    total_count: Optional[int] = Field(alias="totalCount")
    page_info: "HRRecordsWithoutAccountHrRecordsWithoutAccountPageInfo" = Field(
        alias="pageInfo"
    )
    nodes: list["HRRecordsWithoutAccountHrRecordsWithoutAccountNodes"]


class HRRecordsWithoutAccountHrRecordsWithoutAccountPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class HRRecordsWithoutAccountHrRecordsWithoutAccountNodes(BaseModel):
    employee_number: Optional[str] = Field(alias="employeeNumber")
    user_name: Optional[str] = Field(alias="userName")
    job_title: Optional[str] = Field(alias="jobTitle")
    department: Optional[str]
    start_date: Optional[date] = Field(alias="startDate")
    active: bool


HRRecordsWithoutAccount.model_rebuild()
HRRecordsWithoutAccountHrRecordsWithoutAccount.model_rebuild()
