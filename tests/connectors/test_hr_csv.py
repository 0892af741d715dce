"""The HR connector's CSV extract, over real files written here (broken ones included)."""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from servers import Council

from connectors.hr import CsvColumns, CsvHRExtract, HRNotFound, HRUnavailable

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
COUNCIL = "urn:townhall:scim:schemas:extension:council:2.0:Employee"

# How an iTrent-style extract names its columns; the extract also carries columns
# Townhall must never read (date of birth) and one it does not know.
COLUMNS = CsvColumns(
    columns={
        "employee_number": "Employee No",
        "user_name": "Login",
        "job_title": "Post Title",
        "department": "Department",
        "cost_centre": "Cost Centre",
        "grade": "Grade",
        "fte": "FTE",
        "working_pattern": "Working Pattern",
        "start_date": "Start Date",
        "contract_type": "Contract",
        "active": "Status",
    },
    date_format="%d/%m/%Y",
    ignored=frozenset({"Date of Birth"}),
)
HEADER = [*COLUMNS.columns.values(), "Date of Birth"]


def row_of(user: dict[str, Any]) -> list[str]:
    hr, ext = user[ENTERPRISE], user[COUNCIL]
    start = datetime.fromisoformat(ext["startDate"].replace("Z", "+00:00"))
    birth = datetime.fromisoformat(ext["dateOfBirth"].replace("Z", "+00:00"))
    return [
        hr["employeeNumber"],
        user["userName"],
        user["title"],
        hr["department"],
        hr["costCenter"],
        ext["grade"],
        str(ext["fte"]),
        ext["workingPattern"],
        start.strftime("%d/%m/%Y"),
        ext["contractType"],
        "Active" if user["active"] else "Leaver",
        birth.strftime("%d/%m/%Y"),
    ]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    stat = path.stat()  # a new mtime even within the filesystem's timestamp granularity
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    return path


@pytest.fixture
def rows(council: Council) -> list[list[str]]:
    return [row_of(u) for u in council.hr_users]


async def test_the_whole_extract_loads_as_the_same_records_as_scim(
    tmp_path: Path, rows: list[list[str]], council: Council
) -> None:
    extract = CsvHRExtract(write(tmp_path / "hr.csv", rows), COLUMNS)
    assert await extract.reload() == []  # "Date of Birth" is known, and ignored
    records = await extract.all_records()
    assert len(records) == len(council.hr_users)
    user = council.hr_users[0]
    [record] = await extract.records_by("employee_number", [user[ENTERPRISE]["employeeNumber"]])
    assert record is not None
    assert record.user_name == user["userName"]
    assert record.grade == user[COUNCIL]["grade"] and record.fte == user[COUNCIL]["fte"]
    assert record.start_date == datetime.fromisoformat(
        user[COUNCIL]["startDate"].replace("Z", "+00:00")
    )
    assert "1965" not in record.model_dump_json()  # the date of birth column is never read
    by_login = await extract.records_by("user_name", [user["userName"].upper(), "nobody"])
    assert by_login == [record, None]


async def test_broken_rows_are_reported_with_row_numbers_and_skipped(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    good = rows[:6]
    bad_date = [*rows[6][:8], "31/02/2020", *rows[6][9:]]
    bad_fte = [*rows[7][:6], "lots", *rows[7][7:]]
    short = rows[8][:5]
    no_key = ["", *rows[9][1:]]
    bad_status = [*rows[10][:10], "maybe", rows[10][11]]
    duplicate = [rows[0][0], *rows[11][1:]]
    header = [*HEADER, "Shoe Size"]
    path = write(
        tmp_path / "hr.csv",
        [[*r, "9"] for r in [*good, bad_date, bad_fte, no_key, bad_status, duplicate, rows[12]]]
        + [short],
        header,
    )
    with path.open("ab") as handle:  # a line that is not valid UTF-8, and one bad quoting
        handle.write(b"E999998,\xff\xfe,Officer,,,,,,,,Active,,9\r\n")
        handle.write(b'E999999,"unterminated"x,Officer,,,,,,,,Active,,9\r\n')
    extract = CsvHRExtract(path, COLUMNS)
    problems = {(p.row, p.column): p.message for p in await extract.reload()}
    assert problems[(1, "Shoe Size")] == "unknown column, not read"
    assert "bad date '31/02/2020'" in problems[(8, "Start Date")]
    assert "bad number 'lots'" in problems[(9, "FTE")]
    assert problems[(10, "Employee No")] == "no usable key"
    assert "bad yes/no value 'maybe'" in problems[(11, "Status")]
    assert "duplicate key (rows 2, 12)" in problems[(2, None)]
    assert "duplicate key (rows 2, 12)" in problems[(12, None)]
    assert "fields where the header has" in problems[(14, None)]
    assert "not valid utf-8" in problems[(15, "Login")]
    assert "malformed row" in problems[(16, None)]
    assert len(problems) == 10
    loaded = {r.employee_number for r in await extract.all_records()}
    assert loaded == {r[0] for r in [*good[1:], rows[12]]}  # every skipped row left out


async def test_a_reloaded_extract_yields_its_changes_and_never_half_updates(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    path = write(tmp_path / "hr.csv", rows[:50])
    extract = CsvHRExtract(path, COLUMNS, check_every=0)
    first = await extract.changes_since(None)
    assert first.resync and len(first.records) == 50
    assert (await extract.changes_since(first.checkpoint)).records == []

    changed = [*rows[0][:5], "SO2", *rows[0][6:]]  # a promotion
    half = [*rows[1][:5], "SO2", *rows[1][6:8], "not a date", *rows[1][9:]]  # bad: kept whole
    new = rows[60]  # a starter
    # rows[2] is gone: a leaver
    path = write(path, [changed, half, *rows[3:50], new])
    changes = await extract.changes_since(first.checkpoint)  # the file is re-read
    assert not changes.resync
    assert {r.employee_number: r.grade for r in changes.records} == {
        rows[0][0]: "SO2",
        new[0]: new[5],
    }
    assert [r.employee_number for r in changes.removed] == [rows[2][0]]
    assert [(p.row, p.column) for p in extract.problems] == [(3, "Start Date")]
    [kept] = await extract.records_by("employee_number", [rows[1][0]])
    assert kept is not None and kept.grade == rows[1][5]  # not half-updated to SO2
    assert (await extract.changes_since(changes.checkpoint)).records == []

    [promoted] = first.records[:1]
    assert promoted.employee_number == rows[0][0]
    fresh = await extract.revalidate(promoted)
    assert fresh is not None and fresh.grade == "SO2"
    assert await extract.revalidate(fresh) is None
    gone = next(r for r in first.records if r.employee_number == rows[2][0])
    with pytest.raises(HRNotFound):
        await extract.revalidate(gone)


async def test_a_broken_file_keeps_the_last_good_load(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    path = write(tmp_path / "hr.csv", rows[:10])
    extract = CsvHRExtract(path, COLUMNS, check_every=0)
    before = await extract.changes_since(None)
    write(path, [r[1:] for r in rows[:10]], HEADER[1:])  # the key column went missing
    changes = await extract.changes_since(before.checkpoint)
    assert changes.records == [] and changes.removed == []
    assert "mapped column(s) missing: Employee No" in str(extract.problems[0])
    path.unlink()
    assert len(await extract.all_records()) == 10
    assert extract.problems[0].row == 0 and "cannot be read" in extract.problems[0].message
    path.write_bytes(b"")
    await extract.reload()
    assert extract.problems[0].message == "the file is empty"
    assert len(await extract.all_records()) == 10


async def test_a_missing_extract_is_unavailable_until_it_arrives(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    path = tmp_path / "hr.csv"
    extract = CsvHRExtract(path, COLUMNS, check_every=0)
    with pytest.raises(HRUnavailable) as caught:
        await extract.records_by("employee_number", [rows[0][0]])
    assert str(tmp_path) not in str(caught.value)
    write(path, rows[:3])
    assert (await extract.records_by("employee_number", [rows[0][0]]))[0] is not None


async def test_a_checkpoint_from_another_process_resyncs(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    path = write(tmp_path / "hr.csv", rows[:5])
    one, other = CsvHRExtract(path, COLUMNS), CsvHRExtract(path, COLUMNS)
    mark = (await one.changes_since(None)).checkpoint
    again = await other.changes_since(mark)
    assert again.resync and len(again.records) == 5


def test_a_mapping_must_name_known_fields_and_the_key() -> None:
    with pytest.raises(ValueError, match="unknown HR field"):
        CsvColumns(columns={"employee_number": "No", "salary": "Pay"})
    with pytest.raises(ValueError, match="key field"):
        CsvColumns(columns={"grade": "Grade"})


async def test_records_last_modified_is_when_the_change_was_loaded(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    before = datetime.now(UTC)
    extract = CsvHRExtract(write(tmp_path / "hr.csv", rows[:2]), COLUMNS)
    [record, _] = await extract.all_records()
    assert record.last_modified is not None and record.last_modified >= before
    assert record.etag and record.scim_id == rows[0][0]
