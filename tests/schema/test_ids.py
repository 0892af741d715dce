import pytest

from schema.errors import BadInput
from schema.ids import cursor, global_id, parse_cursor, parse_global_id


def test_global_ids_round_trip_and_check_their_type() -> None:
    value = global_id("Document", "Planning/Plans/Local Plan 2026.md")
    assert parse_global_id(value, "Document") == ("Document", "Planning/Plans/Local Plan 2026.md")
    with pytest.raises(BadInput):
        parse_global_id(value, "Person")


@pytest.mark.parametrize("bad", ["", "!!!", "Zm9v", global_id("Person", "")])
def test_malformed_ids_are_refused_clearly(bad: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_global_id(bad, "Person")
    assert caught.value.extensions["code"] == "BAD_USER_INPUT"


def test_cursors_round_trip_and_reject_garbage() -> None:
    assert parse_cursor(cursor(41)) == 41
    assert parse_cursor(None) is None
    for bad in ("nope", global_id("Person", "1")):
        with pytest.raises(BadInput):
            parse_cursor(bad)
