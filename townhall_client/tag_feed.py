from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class TagFeed(BaseModel):
    tag_feed: "TagFeedTagFeed" = Field(alias="tagFeed")


class TagFeedTagFeed(BaseModel):
    total_count: Optional[int] = Field(alias="totalCount")
    page_info: "TagFeedTagFeedPageInfo" = Field(alias="pageInfo")
    nodes: list["TagFeedTagFeedNodes"]


class TagFeedTagFeedPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class TagFeedTagFeedNodes(BaseModel):
    id: str
    verb: str
    summary: str
    created_at: datetime = Field(alias="createdAt")


TagFeed.model_rebuild()
TagFeedTagFeed.model_rebuild()
