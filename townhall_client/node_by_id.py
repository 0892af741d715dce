from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel


class NodeById(BaseModel):
    node: Optional[
        Annotated[
            Union[
                "NodeByIdNodeNode",
                "NodeByIdNodeDocument",
                "NodeByIdNodeGroup",
                "NodeByIdNodePerson",
            ],
            Field(discriminator="typename__"),
        ]
    ]


class NodeByIdNodeNode(BaseModel):
    typename__: Literal["Node"] = Field(alias="__typename")
    id: str


class NodeByIdNodeDocument(BaseModel):
    typename__: Literal["Document"] = Field(alias="__typename")
    id: str
    title: str
    path: str


class NodeByIdNodeGroup(BaseModel):
    typename__: Literal["Group"] = Field(alias="__typename")
    id: str
    name: str


class NodeByIdNodePerson(BaseModel):
    typename__: Literal["Person"] = Field(alias="__typename")
    id: str
    display_name: str = Field(alias="displayName")


NodeById.model_rebuild()
