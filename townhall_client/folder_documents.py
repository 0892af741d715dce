from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class FolderDocuments(BaseModel):
    documents: Optional["FolderDocumentsDocuments"]


class FolderDocumentsDocuments(BaseModel):
    total_count: Optional[int] = Field(alias="totalCount")
    page_info: "FolderDocumentsDocumentsPageInfo" = Field(alias="pageInfo")
    nodes: list["FolderDocumentsDocumentsNodes"]


class FolderDocumentsDocumentsPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class FolderDocumentsDocumentsNodes(BaseModel):
    id: str
    path: str
    title: str
    modified_at: Optional[datetime] = Field(alias="modifiedAt")
    tags: list[str]
    author: Optional["FolderDocumentsDocumentsNodesAuthor"]


class FolderDocumentsDocumentsNodesAuthor(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")


FolderDocuments.model_rebuild()
FolderDocumentsDocuments.model_rebuild()
FolderDocumentsDocumentsNodes.model_rebuild()
