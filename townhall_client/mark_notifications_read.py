from typing import Literal, Union

from pydantic import Field

from .base_model import BaseModel


class MarkNotificationsRead(BaseModel):
    mark_notifications_read: Union[
        "MarkNotificationsReadMarkNotificationsReadMarkReadSuccess",
        "MarkNotificationsReadMarkNotificationsReadInvalidInputError",
    ] = Field(alias="markNotificationsRead", discriminator="typename__")


class MarkNotificationsReadMarkNotificationsReadMarkReadSuccess(BaseModel):
    typename__: Literal["MarkReadSuccess"] = Field(alias="__typename")
    marked: int
    unread_count: int = Field(alias="unreadCount")


class MarkNotificationsReadMarkNotificationsReadInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


MarkNotificationsRead.model_rebuild()
