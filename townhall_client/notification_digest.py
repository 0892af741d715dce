from datetime import date

from pydantic import Field

from .base_model import BaseModel
from .enums import NotificationKind


class NotificationDigest(BaseModel):
    notification_digest: "NotificationDigestNotificationDigest" = Field(
        alias="notificationDigest"
    )


class NotificationDigestNotificationDigest(BaseModel):
    day: date
    total: int
    unread: int
    by_kind: list["NotificationDigestNotificationDigestByKind"] = Field(alias="byKind")


class NotificationDigestNotificationDigestByKind(BaseModel):
    kind: NotificationKind
    count: int


NotificationDigest.model_rebuild()
NotificationDigestNotificationDigest.model_rebuild()
