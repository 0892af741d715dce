"""Records made lighter before the in-memory cache keeps them, without changing any value.

A pydantic record carries its own ``__pydantic_fields_set__`` (a set of the field names it
was given: 728 bytes for a directory person, more than its ``__dict__``), and strings read
from an upstream are each a new object even when thousands of people share a job title.
A cached record lives for minutes to hours, so before it is kept:

- its fields-set becomes one shared set per distinct set of names (records are frozen:
  pydantic only reads it, and copies it before any change, as ``model_copy`` does);
- the values of fields that repeat across people (titles, departments, offices, grades…)
  become one shared string per distinct value, from a bounded pool;
- equal values within a record (a mail address that is also the UPN) become one string;
- its ``__dict__`` becomes a key-sharing dict (one table of field names per model, each
  record holding only its values: 296 bytes instead of 464 for a directory person). Such a
  dict is what CPython makes for a plain object's attributes; one is made that way and
  used only where it is in fact smaller (so on another interpreter nothing changes).

Both only replace an object by an equal one, so every read, comparison and dump of the
record is unchanged. Lists of records (a manager's reports, a person's groups) are walked.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

# Fields whose values repeat across records; the rest (GUIDs, names, mail) rarely do.
POOLED_FIELDS = frozenset(
    {
        # connectors.directory.DirectoryPerson
        "title",
        "department",
        "office",
        "locality",
        "given_name",
        # connectors.hr.HRRecord
        "job_title",
        "division",
        "cost_centre",
        "grade",
        "working_pattern",
        "work_style",
        "work_location",
        "contract_type",
    }
)
POOL_MAX = 100_000  # distinct pooled strings at most; past it, new values are kept as read


class Compactor:
    """Shares equal fields-sets and equal values of :data:`POOLED_FIELDS` between records."""

    def __init__(self) -> None:
        self._field_sets: dict[frozenset[str], set[str]] = {}
        self._shared: set[int] = set()  # ids of the shared sets: a record already done
        self._strings: dict[str, str] = {}
        self._holders: dict[type[BaseModel], type] = {}  # per model: whose dicts share keys

    def compact(self, value: Any) -> None:
        """Make ``value`` (a record, a list of records, anything else: left alone) lighter."""
        if isinstance(value, BaseModel):
            self._record(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, BaseModel):
                    self._record(item)

    def _record(self, record: BaseModel) -> None:
        names = record.__pydantic_fields_set__
        if id(names) in self._shared:
            return  # done before (one person is cached under several keys)
        shared = self._field_sets.get(frozenset(names))
        if shared is None:
            shared = self._field_sets[frozenset(names)] = set(names)
            self._shared.add(id(shared))
        # The model is frozen: object.__setattr__ goes around its guard, for an equal set.
        object.__setattr__(record, "__pydantic_fields_set__", shared)
        values = record.__dict__
        strings = self._strings
        for name in POOLED_FIELDS.intersection(values):
            text = values[name]
            if type(text) is not str:
                continue
            pooled = strings.get(text)
            if pooled is None:
                if len(strings) >= POOL_MAX:
                    continue
                pooled = strings[text] = text
            values[name] = pooled
        self._share_keys(record, values)

    def _share_keys(self, record: BaseModel, values: dict[str, Any]) -> None:
        """Put a key-sharing dict of the same values in place of ``values``."""
        model = type(record)
        holder = self._holders.get(model)
        if holder is None:
            holder = self._holders[model] = type(f"{model.__name__}Values", (), {})
        instance = holder()
        seen: dict[str, str] = {}
        for name, value in values.items():  # always the model's field order: one key table
            if type(value) is str:  # equal values in one record (mail and UPN): one string
                value = seen.setdefault(value, value)
            setattr(instance, name, value)
        shared = instance.__dict__
        if sys.getsizeof(shared) < sys.getsizeof(values):
            object.__setattr__(record, "__dict__", shared)


def share_equal(record: BaseModel, name: str, value: str) -> None:
    """Put ``value`` in place of ``record``'s value of ``name`` when the two are equal, so
    one string serves both (a person's manager DN and the manager's own DN)."""
    values = record.__dict__
    current = values.get(name)
    if current is not value and current == value:
        values[name] = value
