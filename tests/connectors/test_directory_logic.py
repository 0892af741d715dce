"""Pure logic of the directory connector (the server tests are in test_directory.py)."""

from datetime import UTC, datetime

from connectors.directory import normalise_dn
from connectors.directory.entries import expiry as _expiry


def test_dns_compare_equal_however_the_server_escapes_them() -> None:
    a = r"CN=Smith\, John,OU=Staff,DC=ad,DC=northshire,DC=test"
    b = r"cn=smith\2C john,ou=staff,dc=AD,dc=northshire,dc=test"
    assert normalise_dn(a) == normalise_dn(b)
    assert normalise_dn(a) != normalise_dn(r"CN=Smith\, Jane,OU=Staff,DC=ad,DC=northshire,DC=test")


def test_account_expiry_never_values() -> None:
    assert _expiry("0") is None
    assert _expiry(str(0x7FFFFFFFFFFFFFFF)) is None
    assert _expiry(None) is None
    assert _expiry("133000000000000000") == datetime(2022, 6, 18, 4, 26, 40, tzinfo=UTC)
