from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class SearchDocuments(BaseModel):
    search_documents: Optional["SearchDocumentsSearchDocuments"] = Field(
        alias="searchDocuments"
    )


class SearchDocumentsSearchDocuments(BaseModel):
    total_count: Optional[int] = Field(alias="totalCount")
    page_info: "SearchDocumentsSearchDocumentsPageInfo" = Field(alias="pageInfo")
    nodes: list["SearchDocumentsSearchDocumentsNodes"]


class SearchDocumentsSearchDocumentsPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class SearchDocumentsSearchDocumentsNodes(BaseModel):
    id: str
    path: str
    title: str
    modified_at: Optional[datetime] = Field(alias="modifiedAt")
    tags: list[str]
    author: Optional["SearchDocumentsSearchDocumentsNodesAuthor"]
    comment_count: int = Field(alias="commentCount")


class SearchDocumentsSearchDocumentsNodesAuthor(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


SearchDocuments.model_rebuild()
SearchDocumentsSearchDocuments.model_rebuild()
SearchDocumentsSearchDocumentsNodes.model_rebuild()
