"""Pure logic of the directory connector: DN comparison, expiry values, checkpoints, and the
paging and ranged-retrieval loops on the shapes AD answers with that Samba never sends (a
1,000-entry page cap, server-chosen range slices). The server tests are in
test_directory.py, test_directory_ad.py and test_directory_connections.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.directory import DirectoryNotFound, DirectoryRejected, normalise_dn
from connectors.directory import search as search_module
from connectors.directory.changes import (
    DirSyncCheckpoint,
    TimestampCheckpoint,
    UsnCheckpoint,
    decode_checkpoint,
)
from connectors.directory.entries import expiry, timestamp, under
from connectors.directory.search import (
    PAGED_RESULTS,
    paged_search,
    parse_range,
    ranged_values,
)


def test_dns_compare_equal_however_the_server_escapes_them() -> None:
    a = r"CN=Smith\, John,OU=Staff,DC=ad,DC=northshire,DC=test"
    b = r"cn=smith\2C john,ou=staff,dc=AD,dc=northshire,dc=test"
    assert normalise_dn(a) == normalise_dn(b)
    assert normalise_dn(a) != normalise_dn(r"CN=Smith\, Jane,OU=Staff,DC=ad,DC=northshire,DC=test")
    # Samba writes ';' and '=' as hex; UTF-8 names arrive as hex byte pairs.
    assert normalise_dn(r"CN=a\3Bb\3Dc,DC=x") == normalise_dn(r"CN=a\;b\=c,DC=x")
    assert normalise_dn(r"CN=Ren\C3\A9e,DC=x") == normalise_dn("CN=Renée,DC=x")
    assert under("CN=P,OU=Staff,DC=x", "ou=staff,dc=X") and not under("CN=P,DC=x", "OU=Staff,DC=x")


def test_account_expiry_never_values() -> None:
    assert expiry("0") is None
    assert expiry(str(0x7FFFFFFFFFFFFFFF)) is None
    assert expiry(["9223372036854775807"]) is None
    assert expiry(None) is None and expiry("") is None and expiry("garbage") is None
    assert expiry("133000000000000000") == datetime(2022, 6, 18, 4, 26, 40, tzinfo=UTC)
    assert expiry(datetime(9999, 12, 31, 23, 59, 59)) is None  # ldap3's decoded "never"


def test_shadow_expiry_in_days() -> None:
    assert expiry("1", "days") == datetime(1970, 1, 2, tzinfo=UTC)
    assert expiry("20000", "days") == datetime(2024, 10, 4, tzinfo=UTC)
    assert expiry("-1", "days") is None and expiry(None, "days") is None


def test_generalized_time() -> None:
    assert timestamp("20250102030405.0Z") == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert timestamp([b"20250102030405Z"]) == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert timestamp("yesterday") is None and timestamp(None) is None


def test_checkpoints_round_trip_and_garbage_reads_as_none() -> None:
    usn = UsnCheckpoint(123456, "0123456789abcdef")
    assert decode_checkpoint(usn.encode()) == usn
    sync = DirSyncCheckpoint(b"\x00\x01cookie\xff")
    assert decode_checkpoint(sync.encode()) == sync
    stamp = TimestampCheckpoint.of(datetime(2025, 1, 2, 3, 4, 5, 999, tzinfo=UTC))
    assert stamp.encode() == "time:20250102030405Z" and decode_checkpoint(stamp.encode()) == stamp
    for bad in (
        None,
        "",
        "usn:",
        "usn:-4:abc",
        "usn:12",
        "usn:x:abc",
        "dirsync:%%%",
        "zzz:1",
        "time:2025",
        "time:20250102030405Z)(cn=*",
    ):
        assert decode_checkpoint(bad) is None, bad
    assert "DC=" not in usn.encode()


# -- ranged retrieval -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("member;range=0-1499", ("member", 0, 1499)),
        ("member;range=1500-*", ("member", 1500, None)),
        ("Member;Range=3-4", ("Member", 3, 4)),
        ("member;binary;range=0-9", ("member;binary", 0, 9)),
        ("member", None),
        ("member;range=a-b", None),
        ("member;range=5", None),
    ],
)
def test_parse_range(name: str, parsed: tuple[str, int, int | None] | None) -> None:
    assert parse_range(name) == parsed


class AdRanges:
    """Answers slices the way AD does: at most ``max_values`` per answer, last one '-*'."""

    def __init__(self, values: list[bytes], max_values: int = 1500) -> None:
        self.values = values
        self.max_values = max_values
        self.asked: list[str] = []

    def fetch(self, wanted: str) -> tuple[str | None, list[bytes]]:
        self.asked.append(wanted)
        parsed = parse_range(wanted)
        assert parsed is not None
        _, low, high = parsed
        if low >= len(self.values):
            return None, []
        last = len(self.values) - 1
        end = min(last, low + self.max_values - 1, high if high is not None else last)
        label = "*" if end == last else str(end)
        return f"member;range={low}-{label}", self.values[low : end + 1]


def dns(n: int) -> list[bytes]:
    return [f"CN=Person {i},OU=Staff,DC=x".encode() for i in range(n)]


def test_following_the_servers_slices() -> None:
    values = dns(4000)
    server = AdRanges(values)
    first = server.fetch("member;range=0-*")
    assert first[0] == "member;range=0-1499"
    assert first[0] is not None
    name, found = ranged_values(first[0], first[1], server.fetch, None)
    assert (name, found) == ("member", values)
    assert server.asked == ["member;range=0-*", "member;range=1500-*", "member;range=3000-*"]


def test_fixed_windows() -> None:
    values = dns(25)
    server = AdRanges(values)
    first = server.fetch("member;range=0-9")
    assert first[0] is not None
    _, found = ranged_values(first[0], first[1], server.fetch, 10)
    assert found == values
    assert server.asked[1:] == ["member;range=10-19", "member;range=20-29"]


def test_a_value_that_shrinks_mid_read_ends_cleanly() -> None:
    values = dns(20)
    server = AdRanges(values, max_values=10)
    first = server.fetch("member;range=0-*")
    del server.values[10:]  # someone removed members between the two reads
    assert first[0] is not None
    _, found = ranged_values(first[0], first[1], server.fetch, None)
    assert found == values[:10]


def test_a_server_that_sends_the_whole_value_after_all() -> None:
    values = dns(30)

    def fetch(wanted: str) -> tuple[str | None, list[bytes]]:
        return "member", values

    assert ranged_values("member;range=0-9", values[:10], fetch, None) == ("member", values)
    assert ranged_values("member", values, fetch, None) == ("member", values)  # not ranged


def test_unexpected_ranges_are_refused() -> None:
    def skips(wanted: str) -> tuple[str | None, list[bytes]]:
        return "member;range=50-*", []

    with pytest.raises(DirectoryRejected):
        ranged_values("member;range=0-9", [], skips, None)
    with pytest.raises(DirectoryRejected):
        ranged_values("member;range=5-9", [], skips, None)


def test_a_range_that_never_ends_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "MAX_RANGE_ROUNDS", 50)

    def forever(wanted: str) -> tuple[str | None, list[bytes]]:
        parsed = parse_range(wanted)
        assert parsed is not None
        return f"member;range={parsed[1]}-{parsed[1]}", [b"x"]

    with pytest.raises(DirectoryRejected, match="last slice"):
        ranged_values("member;range=0-0", [b"x"], forever, None)


# -- paging -----------------------------------------------------------------------------


class AdPager:
    """A connection answering like AD: pages of at most 1,000 whatever is asked."""

    def __init__(self, total: int, result: int = 0, cap: int = 1000, paging: bool = True) -> None:
        self.total = total
        self.paging = paging
        self.cap = cap
        self.code = result
        self.sizes: list[int] = []
        self.response: list[dict[str, Any]] = []
        self.result: dict[str, Any] = {}

    def search(self, base: str, query: str, scope: str, **kwargs: Any) -> bool:
        self.sizes.append(kwargs["paged_size"])
        start = int(kwargs["paged_cookie"] or b"0")
        end = min(self.total, start + min(kwargs["paged_size"], self.cap))
        self.response = [
            {"type": "searchResEntry", "dn": f"CN={i}", "attributes": {}, "raw_attributes": {}}
            for i in range(start, end)
        ]
        cookie = str(end).encode() if end < self.total else b""
        controls = {PAGED_RESULTS: {"value": {"size": 0, "cookie": cookie}}} if self.paging else {}
        self.result = {"result": self.code, "description": "x", "controls": controls}
        return True


def test_pages_past_the_1000_entry_cap() -> None:
    connection = AdPager(2500)
    found = paged_search(connection, "DC=x", "(objectClass=*)", ["cn"], page_size=5000)
    assert [e["dn"] for e in found] == [f"CN={i}" for i in range(2500)]
    assert connection.sizes == [1000, 1000, 1000]  # never asks for more than AD gives


def test_a_truncated_answer_without_a_cookie_is_an_error() -> None:
    # A server that ignores the paging control stops at its size limit (code 4):
    # a partial list would look as if people had left.
    connection = AdPager(2500, result=4, paging=False)
    with pytest.raises(DirectoryRejected, match="size limit"):
        paged_search(connection, "DC=x", "(objectClass=*)", ["cn"], page_size=500)


def test_a_missing_base_is_not_found_and_a_refusal_is_rejected() -> None:
    for code, error in ((32, DirectoryNotFound), (50, DirectoryRejected), (1, DirectoryRejected)):
        connection = AdPager(10, result=code)
        with pytest.raises(error):
            paged_search(connection, "DC=x", "(objectClass=*)", ["cn"], page_size=500)
