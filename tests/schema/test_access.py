"""The HR privacy rules, as a table of field x relationship, and their coverage."""

import pytest
from graphql import GraphQLObjectType

from connectors.hr import FIELDS, HRRecord
from schema import build_schema
from schema.access import (
    HR_FIELD_AUDIENCES,
    HR_RECORD_FIELDS,
    Audience,
    is_restricted,
    may_see,
)

STAFF = frozenset({Audience.STAFF})
SELF = frozenset({Audience.STAFF, Audience.SELF})
MANAGER = frozenset({Audience.STAFF, Audience.MANAGER_CHAIN})
HR = frozenset({Audience.STAFF, Audience.HR})
ALL = frozenset({Audience.STAFF, Audience.SELF, Audience.MANAGER_CHAIN, Audience.HR})

EVERYONE = (True, True, True, True, True)
RESTRICTED = (False, True, True, True, True)
HR_ONLY = (False, False, False, True, True)
NOBODY = (False, False, False, False, False)

# field: (staff, self, manager chain, HR, everything at once)
TABLE = {
    "jobTitle": EVERYONE,
    "department": EVERYONE,
    "division": EVERYONE,
    "costCentre": EVERYONE,
    "workLocation": EVERYONE,
    "workingPattern": EVERYONE,
    "workStyle": EVERYONE,
    "startDate": EVERYONE,
    "lineManager": EVERYONE,
    "active": EVERYONE,
    "hrStatus": EVERYONE,
    "userName": EVERYONE,
    "employeeNumber": RESTRICTED,
    "grade": RESTRICTED,
    "fte": RESTRICTED,
    "contractType": RESTRICTED,
    "externalId": HR_ONLY,
    "dateOfBirth": NOBODY,
    "homeAddress": NOBODY,
    "personalContactDetails": NOBODY,
    "emergencyContacts": NOBODY,
    "nationalInsuranceNumber": NOBODY,
    "salary": NOBODY,
    "bankDetails": NOBODY,
    "absenceReasons": NOBODY,
    "healthInformation": NOBODY,
    "equalityData": NOBODY,
    "unionMembership": NOBODY,
    "disciplinaryRecords": NOBODY,
    "rightToWorkDocuments": NOBODY,
}
BOOKKEEPING = {"scim_id", "etag", "last_modified"}


def test_every_classified_field_is_in_the_table() -> None:
    assert set(TABLE) == set(HR_FIELD_AUDIENCES)


@pytest.mark.parametrize("field", sorted(TABLE))
@pytest.mark.parametrize(
    ("column", "relationship"),
    [(0, STAFF), (1, SELF), (2, MANAGER), (3, HR), (4, ALL)],
    ids=["staff", "self", "manager-chain", "hr", "all"],
)
def test_field_visibility(field: str, column: int, relationship: frozenset[Audience]) -> None:
    assert may_see(field, relationship) is TABLE[field][column]


@pytest.mark.parametrize("field", sorted(TABLE))
def test_reads_that_need_more_than_being_staff_are_audited(field: str) -> None:
    assert is_restricted(field) is (not TABLE[field][0])


def test_an_unclassified_field_is_never_shown() -> None:
    assert not may_see("favouriteColour", ALL)
    assert is_restricted("favouriteColour")


def test_every_field_of_an_hr_record_is_classified() -> None:
    record_fields = set(HRRecord.model_fields) - BOOKKEEPING
    assert set(HR_RECORD_FIELDS) == record_fields
    assert set(FIELDS) == record_fields  # every field read from SCIM or a CSV is governed
    assert set(HR_RECORD_FIELDS.values()) <= set(TABLE)


def test_every_employment_field_in_the_schema_is_classified() -> None:
    employment = build_schema()._schema.get_type("Employment")
    assert isinstance(employment, GraphQLObjectType)
    exposed = set(employment.fields)
    assert exposed and exposed <= set(TABLE)
    assert not {f for f in exposed if TABLE[f] == NOBODY}  # never-exposed stays unexposed
