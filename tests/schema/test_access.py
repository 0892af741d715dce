"""The HR privacy rules, as a table of field x relationship."""

import pytest

from schema.access import HR_FIELD_AUDIENCES, Audience, may_see

STAFF = frozenset({Audience.STAFF})
SELF = frozenset({Audience.STAFF, Audience.SELF})
MANAGER = frozenset({Audience.STAFF, Audience.MANAGER_CHAIN})
HR = frozenset({Audience.STAFF, Audience.HR})
ALL = frozenset({Audience.STAFF, Audience.SELF, Audience.MANAGER_CHAIN, Audience.HR})

# field: (staff, self, manager chain, HR, everything at once)
TABLE = {
    "jobTitle": (True, True, True, True, True),
    "department": (True, True, True, True, True),
    "division": (True, True, True, True, True),
    "costCentre": (True, True, True, True, True),
    "workLocation": (True, True, True, True, True),
    "workingPattern": (True, True, True, True, True),
    "workStyle": (True, True, True, True, True),
    "startDate": (True, True, True, True, True),
    "lineManager": (True, True, True, True, True),
    "employeeNumber": (False, True, True, True, True),
    "grade": (False, True, True, True, True),
    "fte": (False, True, True, True, True),
    "contractType": (False, True, True, True, True),
    "dateOfBirth": (False, False, False, False, False),
    "homeAddress": (False, False, False, False, False),
    "nationalInsuranceNumber": (False, False, False, False, False),
    "salary": (False, False, False, False, False),
    "absenceReasons": (False, False, False, False, False),
    "equalityData": (False, False, False, False, False),
    "unionMembership": (False, False, False, False, False),
}


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


def test_an_unclassified_field_is_never_shown() -> None:
    assert not may_see("favouriteColour", ALL)
