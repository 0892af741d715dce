"""The gateway reading HR from a CSV extract instead of SCIM (``hr.source = csv``),
and the HR settings refusing incomplete configurations."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pydantic import ValidationError
from servers import Council

from gateway.settings import HRSettings
from schema.ids import global_id
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import base_settings, serve

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
COUNCIL = "urn:townhall:scim:schemas:extension:council:2.0:Employee"
QUERY = (
    """query($id: ID!) { person(id: $id) { hrStatus employment { jobTitle grade startDate } } }"""
)


async def test_the_gateway_serves_hr_fields_from_a_csv_extract(
    council: Council, scim_server: ScimServer, webdav_server: WebDavServer, tmp_path: Path
) -> None:
    staff = [p for p in council.people if p["hasAd"] and p["hasHr"] and p["employeeID"]]
    listed, unlisted = staff[0], staff[1]
    path = tmp_path / "hr.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["employee_number", "job_title", "grade", "start_date", "date_of_birth"])
        writer.writerow(
            [listed["employeeID"], "Extract Officer", "SO1", "2019-04-01", "1980-01-01"]
        )
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.hr = HRSettings(
        source="csv",
        csv_file=path,
        csv_columns={
            "employee_number": "employee_number",
            "job_title": "job_title",
            "grade": "grade",
            "start_date": "start_date",
        },
        csv_ignored_columns=["date_of_birth"],
    )
    async with serve(settings) as gateway:
        mine = await gateway.query(
            QUERY, {"id": global_id("Person", listed["guid"])}, user=listed["sAMAccountName"]
        )
        other = await gateway.query(
            QUERY, {"id": global_id("Person", unlisted["guid"])}, user=listed["sAMAccountName"]
        )
    assert "errors" not in mine and "errors" not in other
    assert mine["data"]["person"] == {
        "hrStatus": "FOUND",
        "employment": {"jobTitle": "Extract Officer", "grade": "SO1", "startDate": "2019-04-01"},
    }
    assert other["data"]["person"] == {"hrStatus": "NO_HR_RECORD", "employment": None}


def test_incomplete_hr_settings_are_refused() -> None:
    with pytest.raises(ValidationError, match="csv_file"):
        HRSettings(source="csv")
    with pytest.raises(ValidationError, match="client_id"):
        HRSettings(url="https://hr.example/scim/v2", token_url="https://id.example/token")
    secret = "client-secret-value"
    settings = HRSettings(
        url="https://hr.example/scim/v2",
        token_url="https://id.example/token",
        client_id="townhall",
        client_secret=secret,  # type: ignore[arg-type]
    )
    assert secret not in repr(settings) and secret not in str(settings.model_dump())
