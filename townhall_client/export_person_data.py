from datetime import datetime
from typing import Literal, Union

from pydantic import Field

from .base_model import BaseModel


class ExportPersonData(BaseModel):
    export_person_data: Union[
        "ExportPersonDataExportPersonDataExportPersonDataSuccess",
        "ExportPersonDataExportPersonDataNotAllowedError",
        "ExportPersonDataExportPersonDataNotFoundError",
        "ExportPersonDataExportPersonDataInvalidInputError",
    ] = Field(alias="exportPersonData", discriminator="typename__")


class ExportPersonDataExportPersonDataExportPersonDataSuccess(BaseModel):
    typename__: Literal["ExportPersonDataSuccess"] = Field(alias="__typename")
    download_url: str = Field(alias="downloadUrl")
    expires_at: datetime = Field(alias="expiresAt")
    person_id: str = Field(alias="personId")
    sections: list["ExportPersonDataExportPersonDataExportPersonDataSuccessSections"]


class ExportPersonDataExportPersonDataExportPersonDataSuccessSections(BaseModel):
    name: str
    rows: int


class ExportPersonDataExportPersonDataNotAllowedError(BaseModel):
    typename__: Literal["NotAllowedError"] = Field(alias="__typename")
    message: str


class ExportPersonDataExportPersonDataNotFoundError(BaseModel):
    typename__: Literal["NotFoundError"] = Field(alias="__typename")
    message: str


class ExportPersonDataExportPersonDataInvalidInputError(BaseModel):
    typename__: Literal["InvalidInputError"] = Field(alias="__typename")
    message: str
    field: str


ExportPersonData.model_rebuild()
ExportPersonDataExportPersonDataExportPersonDataSuccess.model_rebuild()
