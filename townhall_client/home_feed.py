from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class HomeFeed(BaseModel):
    home_feed: "HomeFeedHomeFeed" = Field(alias="homeFeed")


class HomeFeedHomeFeed(BaseModel):
    page_info: "HomeFeedHomeFeedPageInfo" = Field(alias="pageInfo")
    nodes: list["HomeFeedHomeFeedNodes"]


class HomeFeedHomeFeedPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class HomeFeedHomeFeedNodes(BaseModel):
    id: str
    verb: str
    summary: str
    created_at: datetime = Field(alias="createdAt")
    actor_count: int = Field(alias="actorCount")
    document: Optional["HomeFeedHomeFeedNodesDocument"]


class HomeFeedHomeFeedNodesDocument(BaseModel):
    id: str
    path: str
    title: str


HomeFeed.model_rebuild()
HomeFeedHomeFeed.model_rebuild()
HomeFeedHomeFeedNodes.model_rebuild()
