from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import NotificationKind


class Notifications(BaseModel):
    unread_notification_count: int = Field(alias="unreadNotificationCount")
    notifications: "NotificationsNotifications"


class NotificationsNotifications(BaseModel):
    total_count: Optional[int] = Field(alias="totalCount")
    page_info: "NotificationsNotificationsPageInfo" = Field(alias="pageInfo")
    nodes: list["NotificationsNotificationsNodes"]


class NotificationsNotificationsPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class NotificationsNotificationsNodes(BaseModel):
    id: str
    kind: NotificationKind
    created_at: datetime = Field(alias="createdAt")
    read: bool
    actor: Optional["NotificationsNotificationsNodesActor"]
    activity: Optional["NotificationsNotificationsNodesActivity"]


class NotificationsNotificationsNodesActor(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


class NotificationsNotificationsNodesActivity(BaseModel):
    id: str
    summary: str


Notifications.model_rebuild()
NotificationsNotifications.model_rebuild()
NotificationsNotificationsNodes.model_rebuild()
