"""Which origins count as the gateway's own or a portal's (``gateway.origins``): the rule
behind the WebSocket upgrade's refusals and the token cookie's."""

from __future__ import annotations

import pytest

from gateway.origins import OriginPolicy, normalise_origin

PORTAL = "https://intranet.council.example"


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        ("https://Intranet.Council.Example", "https://intranet.council.example"),
        ("https://intranet.council.example:443", "https://intranet.council.example"),
        ("http://intranet.council.example:80", "http://intranet.council.example"),
        ("https://intranet.council.example:8443", "https://intranet.council.example:8443"),
        ("https://intranet.council.example/", "https://intranet.council.example"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("null", None),
        ("", None),
        ("file://", None),
        ("chrome-extension://abc", None),
        ("https://user:pw@intranet.council.example", None),
        ("https://intranet.council.example/path", None),
        ("https://intranet.council.example:99999", None),
        ("https://", None),
        ("x" * 600, None),
    ],
)
def test_origins_are_read_as_browsers_write_them(value: str, normal: str | None) -> None:
    assert normalise_origin(value) == normal


def test_the_gateway_and_its_portals_are_allowed_and_nothing_else() -> None:
    policy = OriginPolicy.of("https://townhall.council.example/api/", [PORTAL, "not an origin"])
    allowed = {
        origin: policy.allows(origin, host="townhall.council.example", scheme="wss")
        for origin in [
            "https://townhall.council.example",
            "https://townhall.council.example:443",
            PORTAL,
            "http://townhall.council.example",  # another scheme is another origin
            "https://townhall.council.example.evil.example",
            "https://evil.example",
            "null",
        ]
    }
    assert allowed == {
        "https://townhall.council.example": True,
        "https://townhall.council.example:443": True,
        PORTAL: True,
        "http://townhall.council.example": False,
        "https://townhall.council.example.evil.example": False,
        "https://evil.example": False,
        "null": False,
    }
    # With public_url set, the Host a request names is not trusted to say who we are.
    assert not policy.allows("https://other.example", host="other.example", scheme="https")


def test_without_a_public_url_the_request_host_is_the_gateway() -> None:
    policy = OriginPolicy.of("", [])
    assert policy.allows("http://127.0.0.1:8000", host="127.0.0.1:8000", scheme="ws")
    assert policy.allows("https://townhall.example", host="townhall.example", scheme="wss")
    assert not policy.allows("https://townhall.example", host="townhall.example", scheme="ws")
    assert not policy.allows("http://127.0.0.1:8001", host="127.0.0.1:8000", scheme="http")
    assert not policy.allows("http://127.0.0.1:8000", host="", scheme="http")
