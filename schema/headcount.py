"""Headcount for analysts: staff counted by department and HR fields, small cells hidden.

The people counted are the current staff a ``PeopleFilter`` matches (``schema.filters``:
one directory search, their HR records in one batched load), under the same visibility
rules as the filter: a dimension or criterion on a field not visible to all staff (grade)
is for the HR role only. Every cell under ``THRESHOLD`` people is suppressed (its count
null, "fewer than 5"), and so is the total when it is that small. Because the total, and
the counts a narrower query or filter gives, are the sums of lines of cells, a line
(cells sharing every value but one) with exactly one suppressed cell would give that
cell away by subtraction: the smallest other cell of such a line is suppressed too,
repeated until no line has a lone suppressed cell (the usual complementary suppression).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Mapping
from typing import Annotated, TypeVar

import strawberry

from connectors.directory import DirectoryPerson
from connectors.hr import HRRecord

from .context import Info
from .errors import BadInput, upstream
from .filters import PeopleFilter, check_hr_fields, filtered_people

THRESHOLD = 5
FEWER = f"fewer than {THRESHOLD}"
MAX_DIMENSIONS = 3

Key = tuple[str | None, ...]
K = TypeVar("K", bound=Key)


@strawberry.enum(description="What to count people by.")
class HeadcountDimension(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    DEPARTMENT = strawberry.enum_value(
        "department", description="The directory department. Visible to all staff."
    )
    WORKING_PATTERN = strawberry.enum_value(
        "workingPattern", description="The HR working pattern. Visible to all staff."
    )
    WORK_STYLE = strawberry.enum_value(
        "workStyle", description="The HR work style. Visible to all staff."
    )
    WORK_LOCATION = strawberry.enum_value(
        "workLocation", description="The HR work location. Visible to all staff."
    )
    GRADE = strawberry.enum_value(
        "grade", description="The HR pay grade. For the HR role only (refused to others)."
    )


@strawberry.type(description="One combination of values and how many people have it.")
class HeadcountCell:
    values: list[str | None] = strawberry.field(
        description="One value per dimension of `by`, in its order; null where the source "
        "holds none (no HR record, or the field is empty)."
    )
    count: int | None = strawberry.field(
        description=f"How many people; null when suppressed ({FEWER}, or hidden so that a "
        "suppressed cell cannot be worked out by subtraction)."
    )
    suppressed: bool = strawberry.field(description="Whether `count` is withheld.")
    label: str = strawberry.field(
        description=f'The count as text, or "{FEWER}" when suppressed (also when hidden '
        "only to protect another cell: its true count is not told)."
    )


@strawberry.type(description="A headcount table: cells with at least one person, by value.")
class Headcount:
    dimensions: list[HeadcountDimension] = strawberry.field(
        description="What the cells are counted by, in the order of their `values`."
    )
    cells: list[HeadcountCell] = strawberry.field(
        description="Every combination held by at least one person, sorted by its values "
        "(nulls last). A combination not listed has no one."
    )
    total: int | None = strawberry.field(
        description=f"Everyone counted; null when fewer than {THRESHOLD}."
    )
    total_suppressed: bool = strawberry.field(description="Whether `total` is withheld.")
    threshold: int = strawberry.field(
        description="The smallest count shown: smaller cells are suppressed."
    )


def suppress(counts: Mapping[K, int], threshold: int = THRESHOLD) -> set[K]:
    """The cells to withhold: those under ``threshold``, and complements so that no line
    (cells equal in all dimensions but one) holds exactly one withheld cell."""
    hidden = {k for k, n in counts.items() if n < threshold}
    width = len(next(iter(counts), ()))
    changed = True
    while changed:
        changed = False
        for axis in range(width):
            lines: dict[Key, list[K]] = defaultdict(list)
            for k in counts:
                lines[k[:axis] + k[axis + 1 :]].append(k)
            for cells in lines.values():
                if sum(k in hidden for k in cells) != 1:
                    continue
                others = sorted(
                    (k for k in cells if k not in hidden), key=lambda k: (counts[k], _order(k))
                )
                if others:
                    hidden.add(others[0])
                    changed = True
    return hidden


def _order(key: Key) -> tuple[tuple[bool, str], ...]:
    return tuple((v is None, (v or "").casefold()) for v in key)


def _value(
    dimension: HeadcountDimension, person: DirectoryPerson, record: HRRecord | None
) -> str | None:
    if dimension is HeadcountDimension.DEPARTMENT:
        return person.department or None
    if record is None:
        return None
    value = {
        HeadcountDimension.WORKING_PATTERN: record.working_pattern,
        HeadcountDimension.WORK_STYLE: record.work_style,
        HeadcountDimension.WORK_LOCATION: record.work_location,
        HeadcountDimension.GRADE: record.grade,
    }[dimension]
    return value or None


@strawberry.type
class HeadcountQueries:
    @strawberry.field(
        description=f"How many current staff there are by department and HR fields, for "
        f"analysts. Cells under {THRESHOLD} people are suppressed ({FEWER}), and others where "
        "needed so none can be worked out by subtraction from the total or a line of cells. "
        "Counting by grade, or filtering by it, is for the HR role only."
    )
    async def headcount(
        self,
        info: Info,
        by: Annotated[
            list[HeadcountDimension],
            strawberry.argument(
                description=f"What to count by: 1 to {MAX_DIMENSIONS} different dimensions."
            ),
        ],
        filter: Annotated[
            PeopleFilter | None,
            strawberry.argument(description="Count only the people this filter matches."),
        ] = None,
    ) -> Headcount:
        if not 1 <= len(by) <= MAX_DIMENSIONS or len(set(by)) != len(by):
            raise BadInput(f"`by` takes 1 to {MAX_DIMENSIONS} different dimensions.", field="by")
        hr_fields = [d.value for d in by if d is not HeadcountDimension.DEPARTMENT]
        await check_hr_fields(info, hr_fields, argument="by")
        found = await filtered_people(info, "", filter, need_hr=bool(hr_fields))
        people = found.people
        counts: dict[Key, int] = defaultdict(int)
        if people is None:  # only directory dimensions: records are in the person cache
            loaded = await upstream(info.context.loaders.person.load_many(found.guids))
            people = [p for p in loaded if p is not None]
        records = found.records or [None] * len(people)
        for person, record in zip(people, records, strict=True):
            counts[tuple(_value(d, person, record) for d in by)] += 1
        hidden = suppress(dict(counts))
        cells = [
            HeadcountCell(
                values=list(key),
                count=None if key in hidden else n,
                suppressed=key in hidden,
                label=FEWER if key in hidden else str(n),
            )
            for key, n in sorted(counts.items(), key=lambda item: _order(item[0]))
        ]
        total = len(people)
        small = total < THRESHOLD
        return Headcount(
            dimensions=list(by),
            cells=cells,
            total=None if small else total,
            total_suppressed=small,
            threshold=THRESHOLD,
        )
