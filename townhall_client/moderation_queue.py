from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import ReportStatus


class ModerationQueue(BaseModel):
    moderation_queue: list["ModerationQueueModerationQueue"] = Field(
        alias="moderationQueue"
    )


class ModerationQueueModerationQueue(BaseModel):
    id: str
    reason: str
    status: ReportStatus
    created_at: datetime = Field(alias="createdAt")
    item_kind: str = Field(alias="itemKind")
    item_id: str = Field(alias="itemId")
    comment: Optional["ModerationQueueModerationQueueComment"]
    reporter: Optional["ModerationQueueModerationQueueReporter"]


class ModerationQueueModerationQueueComment(BaseModel):
    id: str
    body_text: Optional[str] = Field(alias="bodyText")


class ModerationQueueModerationQueueReporter(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


ModerationQueue.model_rebuild()
ModerationQueueModerationQueue.model_rebuild()
