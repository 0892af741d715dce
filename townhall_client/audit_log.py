from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class AuditLog(BaseModel):
    audit_log: "AuditLogAuditLog" = Field(alias="auditLog")


class AuditLogAuditLog(BaseModel):
    total_count: Optional[int] = Field(alias="totalCount")
    page_info: "AuditLogAuditLogPageInfo" = Field(alias="pageInfo")
    nodes: list["AuditLogAuditLogNodes"]


class AuditLogAuditLogPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class AuditLogAuditLogNodes(BaseModel):
    at: datetime
    viewer_id: str = Field(alias="viewerId")
    subject_id: str = Field(alias="subjectId")
    record: str
    role: str
    operation: str
    request_id: str = Field(alias="requestId")


AuditLog.model_rebuild()
AuditLogAuditLog.model_rebuild()
