"""HR records from the HR system's CSV extract (the nightly file many HR systems write).

A column mapping names the header of each HR field; columns not mapped are never
read (so a date of birth in the extract goes no further than this module) and
are reported once. Every row is checked whole before it is used: a malformed
row (wrong number of fields, bad encoding), a missing key, a duplicate key
(every row holding it), a bad date or number is reported with its row number
(the header is row 1, as a spreadsheet shows it) and skipped. A skipped row
never half-updates a record: the record keeps the version last loaded whole.
A file that cannot be read, or lacks a mapped column, is rejected entirely and
the last good load keeps being served.

Each load that changes something starts a new generation; the change feed
(:meth:`CsvHRExtract.changes_since`) returns records changed and removed after
a checkpoint's generation. The file is re-read when its size or modification
time changes, checked at most every ``check_every`` seconds.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import logging
import math
import os
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import HRNotFound, HRUnavailable
from .records import FIELDS, HRField, HRRecord
from .source import HRChanges, HRCheckpoint, without_match

log = logging.getLogger(__name__)

_DATE_FIELDS = frozenset({"start_date"})
_TRUE = frozenset({"true", "yes", "y", "1", "active", "current"})
_FALSE = frozenset({"false", "no", "n", "0", "inactive", "leaver", "left"})
_MAX_KEY = 256


@dataclass(frozen=True, slots=True)
class CsvColumns:
    """Which CSV column (header) holds each HR field, and how values are written."""

    columns: dict[str, str] = field(default_factory=lambda: {f: f for f in FIELDS})
    key: HRField = "employee_number"  # the field that identifies a row
    date_format: str = "%Y-%m-%d"
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    ignored: frozenset[str] = frozenset()  # columns known and deliberately not read

    def __post_init__(self) -> None:
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown HR field(s) in the CSV mapping: {', '.join(unknown)}")
        if self.key not in self.columns:
            raise ValueError(f"the CSV mapping has no column for the key field {self.key}")


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """Something wrong in the extract: ``row`` 1 is the header, 0 the file as a whole."""

    row: int
    message: str
    column: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return f"{where}{f', column {self.column}' if self.column else ''}: {self.message}"


@dataclass(slots=True)
class _Parsed:
    records: dict[str, HRRecord]  # casefolded key -> record (valid rows only)
    failed: set[str]  # casefolded keys of rows skipped whose key could still be read
    problems: list[CsvProblem]
    rejected: bool = False


class CsvHRExtract:
    """An :class:`~connectors.hr.source.HRSource` over a CSV extract file."""

    def __init__(self, path: Path, columns: CsvColumns | None = None, *, check_every: float = 5.0):
        self.path = path
        self.columns = columns or CsvColumns()
        self.check_every = check_every
        self.calls = 0  # file reads
        self.problems: list[CsvProblem] = []  # of the last load
        self._instance = uuid.uuid4().hex[:12]  # checkpoints from another process resync
        self._generation = 0
        self._records: dict[str, HRRecord] = {}
        self._indexes: dict[str, dict[str, HRRecord]] = {}  # by another field, per load
        self._changed_at: dict[str, int] = {}
        self._removed: list[tuple[int, HRRecord]] = []
        self._loaded = False
        self._signature: tuple[int, int] | None = None
        self._checked_at = -math.inf
        self._lock = asyncio.Lock()

    # -- loading ----------------------------------------------------------------

    async def reload(self) -> list[CsvProblem]:
        """Read the file now; returns (and keeps in :attr:`problems`) what was wrong."""
        async with self._lock:
            self._checked_at = time.monotonic()
            signature = _signature(self.path)
            parsed = await asyncio.to_thread(self._read)
            self.calls += 1
            self.problems = parsed.problems
            for problem in parsed.problems:
                log.warning("HR extract %s: %s", self.path.name, problem)
            if parsed.rejected:
                return parsed.problems
            self._apply(parsed)
            self._signature = signature
            self._loaded = True
            return parsed.problems

    async def refresh(self) -> None:
        """Reload when the file changed (checked at most every ``check_every`` s)."""
        if time.monotonic() - self._checked_at >= self.check_every:
            self._checked_at = time.monotonic()
            if not self._loaded or _signature(self.path) != self._signature:
                await self.reload()
        if not self._loaded:
            raise HRUnavailable("the HR extract could not be read")

    def _apply(self, parsed: _Parsed) -> None:
        now = datetime.now(UTC)
        generation = self._generation + 1
        changed = False
        merged: dict[str, HRRecord] = {}
        for key, record in parsed.records.items():
            old = self._records.get(key)
            if old is not None and old.etag == record.etag:
                merged[key] = old
                continue
            merged[key] = record.model_copy(update={"last_modified": now})
            self._changed_at[key] = generation
            changed = True
        for key, old in self._records.items():
            if key in merged:
                continue
            if key in parsed.failed:  # its row was skipped: keep the whole old version
                merged[key] = old
                continue
            self._removed.append((generation, old))
            self._changed_at.pop(key, None)
            changed = True
        self._records = merged
        self._indexes = {}
        if changed:
            self._generation = generation

    def _read(self) -> _Parsed:
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            problem = CsvProblem(0, f"the file cannot be read ({type(exc).__name__})")
            return _Parsed({}, set(), [problem], rejected=True)
        text = raw.decode(self.columns.encoding, errors="surrogateescape")
        return parse(text, self.columns)

    # -- the HRSource operations ----------------------------------------------

    async def records_by(self, field: HRField, keys: Sequence[str]) -> list[HRRecord | None]:
        await self.refresh()
        index = self._records if field == self.columns.key else self._indexes.get(field)
        if index is None:
            index = self._indexes[field] = {
                value.casefold(): r
                for r in self._records.values()
                if (value := getattr(r, field)) is not None
            }
        return [index.get(k.casefold()) if isinstance(k, str) and k else None for k in keys]

    async def all_records(self) -> list[HRRecord]:
        await self.refresh()
        return list(self._records.values())

    async def unmatched(self, field: HRField, keys: Iterable[str]) -> list[HRRecord]:
        return without_match(await self.all_records(), field, keys)

    async def revalidate(self, record: HRRecord) -> HRRecord | None:
        await self.refresh()
        current = self._records.get(record.scim_id.casefold())
        if current is None:
            raise HRNotFound("the HR record no longer exists")
        return None if current.etag == record.etag else current

    async def ping(self) -> None:
        """The extract can be read: the file is there and was loaded at least once."""
        try:
            await asyncio.to_thread(os.stat, self.path)
        except OSError as exc:
            raise HRUnavailable("the HR extract cannot be read") from exc
        if not self._loaded:
            await self.refresh()

    def background(self) -> CsvHRExtract:
        """The extract itself: its reads of the file serve every caller alike."""
        return self

    async def checkpoint_now(self) -> HRCheckpoint:
        await self.refresh()
        return HRCheckpoint("csv", f"{self._instance}:{self._generation}")

    async def changes_since(self, checkpoint: HRCheckpoint | None) -> HRChanges:
        await self.refresh()
        mark = HRCheckpoint("csv", f"{self._instance}:{self._generation}")
        since = _generation(checkpoint, self._instance)
        if since is None or since > self._generation:
            return HRChanges(list(self._records.values()), mark, resync=True)
        changed = [self._records[k] for k, g in self._changed_at.items() if g > since]
        removed = [r for g, r in self._removed if g > since]
        return HRChanges(changed, mark, removed=removed)


def parse(text: str, columns: CsvColumns) -> _Parsed:
    """Every valid row of an extract as a record, and every problem found."""
    problems: list[CsvProblem] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=columns.delimiter, strict=True)
    rows = _rows(reader, problems)
    header = next(rows, None)
    if header is None:
        problems.append(CsvProblem(0, "the file is empty"))
        return _Parsed({}, set(), problems, rejected=True)
    _, names = header
    names = [n.strip() for n in names]
    position = {name: i for i, name in enumerate(names)}
    missing = [c for c in columns.columns.values() if c not in position]
    if missing:
        problems.append(CsvProblem(1, f"mapped column(s) missing: {', '.join(missing)}"))
        return _Parsed({}, set(), problems, rejected=True)
    mapped = set(columns.columns.values())
    for name in names:
        if name not in mapped and name not in columns.ignored:
            problems.append(CsvProblem(1, "unknown column, not read", name))
    key_index = position[columns.columns[columns.key]]
    by_key: dict[str, list[tuple[int, HRRecord | None]]] = {}
    for row_number, cells in rows:
        if not any(c.strip() for c in cells):
            continue  # blank line
        key = cells[key_index].strip() if key_index < len(cells) else ""
        if not key or len(key) > _MAX_KEY or _undecodable(key):
            problems.append(CsvProblem(row_number, "no usable key", columns.columns[columns.key]))
            continue
        record = _record(row_number, cells, names, position, columns, problems)
        by_key.setdefault(key.casefold(), []).append((row_number, record))
    records: dict[str, HRRecord] = {}
    failed: set[str] = set()
    for key, found in by_key.items():
        if len(found) > 1:
            numbers = ", ".join(str(n) for n, _ in found)
            for number, _ in found:
                problems.append(CsvProblem(number, f"duplicate key (rows {numbers}); skipped"))
            failed.add(key)
        elif found[0][1] is None:
            failed.add(key)
        else:
            records[key] = found[0][1]
    return _Parsed(records, failed, problems)


def _rows(reader: Any, problems: list[CsvProblem]) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) of each record; unparseable records are reported."""
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(CsvProblem(number, f"malformed row ({exc}); skipped"))
            if len(problems) > 100_000:  # a binary file, not an extract: stop reporting
                return
            continue
        yield number, cells


def _record(
    row: int,
    cells: list[str],
    names: list[str],
    position: dict[str, int],
    columns: CsvColumns,
    problems: list[CsvProblem],
) -> HRRecord | None:
    """The row as a record, or ``None`` (with its problems reported) when any value is bad."""
    if len(cells) != len(names):
        problems.append(
            CsvProblem(row, f"{len(cells)} fields where the header has {len(names)}; skipped")
        )
        return None
    values: dict[str, Any] = {}
    ok = True
    for name, column in columns.columns.items():
        raw = cells[position[column]].strip()
        if _undecodable(raw):
            problems.append(CsvProblem(row, f"not valid {columns.encoding}; row skipped", column))
            ok = False
            continue
        try:
            values[name] = _value(name, raw, columns.date_format)
        except ValueError as exc:
            problems.append(CsvProblem(row, f"{exc}; row skipped", column))
            ok = False
    if not ok:
        return None
    key = values[columns.key]
    digest = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()[:20]
    active = values.pop("active", None)
    return HRRecord(
        scim_id=key,
        etag=f'"{digest}"',
        active=active is not False,
        **values,
    )


def _value(field: str, raw: str, date_format: str) -> Any:
    if raw == "":
        return None
    if field in _DATE_FIELDS:
        try:
            return datetime.strptime(raw, date_format).replace(tzinfo=UTC)
        except ValueError:
            raise ValueError(f"bad date {raw!r} (expected {date_format})") from None
    if field == "fte":
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(f"bad number {raw!r}") from None
        if not math.isfinite(number) or not 0 <= number <= 2:
            raise ValueError(f"FTE {raw!r} out of range 0-2")
        return number
    if field == "active":
        lowered = raw.casefold()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"bad yes/no value {raw!r}")
    return raw


def _undecodable(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _generation(checkpoint: HRCheckpoint | None, instance: str) -> int | None:
    if checkpoint is None or checkpoint.source != "csv":
        return None
    owner, _, generation = checkpoint.position.partition(":")
    if owner != instance or not generation.isdigit():
        return None
    return int(generation)
