"""More of the hostile corpus, as data: bad bearer tokens, abuse of the HTTP connection
itself, and the strings put into every String and ID argument of the schema.

- ``TOKENS``: every one must be refused with 401 (403 where the token is genuine and
  names nobody Townhall knows). Each builds its ``Authorization`` headers from a
  ``Signer`` holding the gateway's RSA key and another one.
- ``WIRE``: requests written byte by byte on a socket (slow, huge, smuggled): the
  answer's status, or ``None`` for a connection closed without one.
- ``PAYLOADS`` and ``ID_PAYLOADS``: injection strings (LDAP and SCIM filters, SQL, paths,
  NUL, CRLF, long, unicode tricks) and ids that are not ours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from servers.oidc import AUDIENCE, ISSUER, ec_key, public_pem

Headers = list[tuple[str | bytes, str | bytes]]


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True)
class Signer:
    """The gateway's signing key (``key``), another key, and the person tokens name."""

    key: rsa.RSAPrivateKey
    other: rsa.RSAPrivateKey
    upn: str

    def claims(self, lifetime: int = 300, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + lifetime,
            "sub": "subject-1", "upn": self.upn,
        }  # fmt: skip
        body.update(changes)
        return {k: v for k, v in body.items() if v is not None}

    def token(self, alg: str = "RS256", key: Any = None, **changes: Any) -> str:
        return jwt.encode(self.claims(**changes), key or self.key, algorithm=alg)

    def by_hand(self, header: Any, payload: Any, key: rsa.RSAPrivateKey | None = None) -> str:
        """A token from any header and payload (JSON, or bytes as they are), RS256-signed
        with ``key`` (unsigned without one)."""

        def segment(part: Any) -> str:
            return b64(part if isinstance(part, bytes) else json.dumps(part))

        signing_input = f"{segment(header)}.{segment(payload)}"
        if key is None:
            return signing_input + "."
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64(signature)}"


def hs256(signer: Signer, secret: bytes) -> str:
    """HS256 keyed with ``secret``: what PyJWT refuses to make with a PEM, made by hand."""
    signing_input = (
        f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}))}.{b64(json.dumps(signer.claims()))}"
    )
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


@dataclass(frozen=True)
class TokenCase:
    id: str
    headers: Callable[[Signer], Headers]
    status: frozenset[int] = frozenset({401})
    xfail: str = ""


def bearer(id: str, make: Callable[[Signer], str], *status: int, xfail: str = "") -> TokenCase:
    return TokenCase(id, lambda s: [("Authorization", f"Bearer {make(s)}")],
                     frozenset(status or (401,)), xfail)  # fmt: skip


def header(id: str, *values: str | bytes, xfail: str = "") -> TokenCase:
    return TokenCase(id, lambda s: [("Authorization", v) for v in values], xfail=xfail)


NOW = int(time.time())
RS256 = {"alg": "RS256", "typ": "JWT"}

TOKENS: list[TokenCase] = [
    TokenCase("no-authorization", lambda s: []),
    TokenCase("dev-header-without-token", lambda s: [("X-Townhall-User", "priya.shah")]),
    header("bearer-without-token", "Bearer"),
    header("bearer-tab-separated", "Bearer\tgarbage"),
    header("basic-credentials", "Basic cHJpeWEuc2hhaDpwYXNzd29yZA=="),
    header("unknown-scheme", "Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag"),
    bearer("garbage", lambda s: "not.a.token"),
    bearer("garbage-base64-segments", lambda s: ".".join([b64(bytes(40)), b64(b"\xff" * 90), "AAAA"])),
    bearer("two-segments", lambda s: s.token().rsplit(".", 1)[0]),
    bearer("five-segments-jwe", lambda s: ".".join([b64('{"alg":"RSA-OAEP","enc":"A256GCM"}'),
                                                     "a", "b", "c", "d"])),
    bearer("alg-none-unsigned", lambda s: s.by_hand({"alg": "none"}, s.claims())),
    bearer("alg-none-capitalised", lambda s: s.by_hand({"alg": "None"}, s.claims())),
    bearer("alg-none-with-signature", lambda s: s.by_hand({"alg": "none"}, s.claims(), s.key)),
    bearer("alg-missing", lambda s: s.by_hand({"typ": "JWT"}, s.claims(), s.key)),
    bearer("hs256-keyed-with-public-key-pem", lambda s: hs256(s, public_pem(s.key).encode())),
    bearer("hs256-keyed-with-stripped-pem",
           lambda s: hs256(s, "".join(public_pem(s.key).splitlines()[1:-1]).encode())),
    bearer("rs256-another-key", lambda s: s.token(key=s.other)),
    bearer("es256-against-rsa-key", lambda s: s.token("ES256", ec_key())),
    bearer("ps256-another-key", lambda s: s.token("PS256", s.other)),
    bearer("signature-stripped", lambda s: s.token().rsplit(".", 1)[0] + "."),
    bearer("signature-of-another-payload",
           lambda s: s.token().rsplit(".", 1)[0] + "." + s.token(upn="alex.morgan@northshire.test").rsplit(".", 1)[1]),
    bearer("payload-edited-after-signing",
           lambda s: s.token().split(".")[0] + "." + b64(json.dumps(s.claims(upn="alex.morgan@northshire.test"))) + "." + s.token().split(".")[2]),
    bearer("expired", lambda s: s.token(iat=NOW - 7200, exp=NOW - 3600)),
    bearer("not-yet-valid-nbf", lambda s: s.token(nbf=NOW + 3600, exp=NOW + 3900)),
    bearer("issued-in-the-future", lambda s: s.token(iat=NOW + 3600, exp=NOW + 3900)),
    bearer("wrong-issuer", lambda s: s.token(iss="https://evil.example")),
    bearer("issuer-with-suffix", lambda s: s.token(iss=ISSUER + ".evil.example")),
    bearer("wrong-audience", lambda s: s.token(aud="somebody-else")),
    bearer("audience-list-without-ours", lambda s: s.token(aud=["a", "b"])),
    bearer("missing-exp", lambda s: s.token(exp=None)),
    bearer("missing-iat", lambda s: s.token(iat=None)),
    bearer("missing-issuer", lambda s: s.token(iss=None)),
    bearer("lifetime-ten-years", lambda s: s.token(lifetime=315_360_000)),
    bearer("exp-not-a-number", lambda s: s.by_hand(RS256, s.claims(exp="tomorrow"), s.key)),
    bearer("exp-nan", lambda s: s.by_hand(RS256, json.dumps(s.claims()).replace(
        f'"exp": {s.claims()["exp"]}', '"exp": NaN').encode(), s.key)),
    bearer("exp-infinity", lambda s: s.by_hand(RS256, json.dumps(s.claims()).replace(
        f'"exp": {s.claims()["exp"]}', '"exp": 1e999').encode(), s.key)),
    bearer("no-upn-claim", lambda s: s.token(upn=None)),
    bearer("upn-not-a-string", lambda s: s.token(upn={"$ne": None})),
    bearer("upn-ldap-filter-injection", lambda s: s.token(upn="*)(userPrincipalName=*"), 401, 403),
    bearer("upn-of-nobody", lambda s: s.token(upn="nobody@northshire.test"), 403),
    bearer("header-not-an-object", lambda s: s.by_hand([1, 2], s.claims(), s.key)),
    bearer("payload-not-json", lambda s: s.by_hand(RS256, b"\xff\xfe garbage", s.key)),
    bearer("kid-path-traversal", lambda s: s.by_hand({**RS256, "kid": "../../etc/passwd"}, s.claims(), s.other)),
    bearer("kid-not-a-string", lambda s: s.by_hand({**RS256, "kid": {"a": 1}}, s.claims(), s.key)),
    bearer("jku-to-loopback", lambda s: s.by_hand({**RS256, "jku": "http://127.0.0.1:9/jwks"}, s.claims(), s.other)),
    bearer("embedded-jwk-of-attacker", lambda s: jwt.encode(
        s.claims(), s.other, algorithm="RS256",
        headers={"jwk": jwt.algorithms.RSAAlgorithm.to_jwk(s.other.public_key(), as_dict=True)})),
    bearer("crit-unknown-extension", lambda s: s.by_hand({**RS256, "crit": ["exp2"], "exp2": 1}, s.claims(), s.other)),
    bearer("just-past-the-length-limit", lambda s: "a" * 16_385),
    bearer("huge-100kb", lambda s: s.token() + "A" * 100_000, 401, 431),
    header("non-ascii-bytes", b"Bearer \xff\xfe\xfd." + b"\xe9" * 20),
    header("non-ascii-utf8", "Bearer ẗøķëñ.ẗøķëñ.ẗøķëñ".encode()),
    TokenCase("several-authorization-garbage-first",
              lambda s: [("Authorization", "Bearer garbage"), ("Authorization", f"Bearer {s.token()}")]),
    TokenCase("several-authorization-valid-first",
              lambda s: [("Authorization", f"Bearer {s.token()}"), ("Authorization", "Bearer garbage")]),
    TokenCase("authorization-and-dev-header",
              lambda s: [("Authorization", "Bearer garbage"), ("X-Townhall-User", "alex.morgan")]),
]  # fmt: skip


@dataclass(frozen=True)
class WireCase:
    """Bytes written to a fresh connection (a number: seconds to wait before the next
    part), the answer's status (``None``: closed without an answer), and how long after
    the last part the answer or the close may take."""

    id: str
    parts: tuple[bytes | float, ...]
    status: frozenset[int | None]
    within: float = 2.0
    answers: int = 0  # how many answers, when it matters


def request(head: str, body: bytes = b"") -> bytes:
    return head.replace("\n", "\r\n").encode() + b"\r\n" + body


# Signed in (``TOKEN`` is replaced by a valid token when sent), so that the body is read.
TOKEN = b"<token>"
POST = (
    "POST /graphql HTTP/1.1\nHost: townhall\nContent-Type: application/json\n"
    "Authorization: Bearer <token>\n"
)
TYPENAME = b'{"query": "{ __typename }"}'
CHUNK = b"%x\r\n%s\r\n" % (65_536, b"x" * 65_536)
ONE = POST + f"Content-Length: {len(TYPENAME)}\n"
PIPELINED = request(ONE, TYPENAME) * 99 + request(ONE + "Connection: close\n", TYPENAME)

WIRE: list[WireCase] = [
    WireCase(
        "body-2mb-declared-not-sent",
        (request(POST + "Content-Length: 2000000\n"),),
        frozenset({413}),
        1.0,
    ),
    WireCase(
        "body-2mb-sent",
        (request(POST + "Content-Length: 2000000\n", b"x" * 2_000_000),),
        frozenset({413}),
    ),
    WireCase(
        "body-chunked-past-the-limit",
        (request(POST + "Transfer-Encoding: chunked\n", CHUNK * 17 + b"0\r\n\r\n"),),
        frozenset({413}),
    ),
    WireCase(
        "body-stalls",
        (request(POST + "Content-Length: 100\n", b'{"query": '), 0.0),
        frozenset({408}),
    ),
    WireCase(
        "body-drips",
        (request(POST + "Content-Length: 100\n", b"{"), 0.4, b'"', 0.4, b"q", 0.4, b"u"),
        frozenset({408}),
    ),
    WireCase(
        "headers-stall", (b"POST /graphql HTTP/1.1\r\nHost: townhall\r\n",), frozenset({None})
    ),
    WireCase(
        "headers-drip",
        (b"POST /graphql HTTP/1.1\r\n", 0.4, b"Host: t", 0.4, b"own", 0.4, b"hall\r\n"),
        frozenset({None}),
    ),
    WireCase("connect-and-say-nothing", (), frozenset({None})),
    WireCase(
        "content-length-negative",
        (request(POST + "Content-Length: -5\n", TYPENAME),),
        frozenset({400, None}),
    ),
    WireCase(
        "content-length-not-a-number",
        (request(POST + "Content-Length: 1e3\n", TYPENAME),),
        frozenset({400, None}),
    ),
    WireCase(
        "content-length-and-chunked",
        (
            request(
                POST + f"Content-Length: {len(TYPENAME)}\nTransfer-Encoding: chunked\n", TYPENAME
            ),
        ),
        frozenset({400, None}),
    ),
    WireCase(
        "content-length-twice-different",
        (request(POST + f"Content-Length: {len(TYPENAME)}\nContent-Length: 3\n", TYPENAME),),
        frozenset({400, None}),
    ),
    WireCase(
        "content-length-shorter-than-body",
        (request(POST + "Content-Length: 10\n", TYPENAME + b"GARBAGE / HTTP/1.1\r\n\r\n"),),
        frozenset({400}),
    ),
    WireCase(
        "transfer-encoding-unknown",
        (request(POST + "Transfer-Encoding: gzip, chunked\nConnection: close\n", b"0\r\n\r\n"),),
        frozenset({400, 501, None}),
    ),
    WireCase(
        "request-line-garbage",
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 50,),
        frozenset({400, None}),
    ),
    WireCase("http-0.9", (b"GET /graphql\r\n\r\n",), frozenset({400, 401, None})),
    WireCase("pipelined-100", (PIPELINED,), frozenset({200}), answers=100),
]

# Strings put into every String and ID argument: what would break a filter built by
# hand (LDAP, SCIM, SQL), a path, a header, a log line, a comparison or a length check.
PAYLOADS: dict[str, str] = {
    "ldap-filter": "*)(uid=*))(|(uid=*",
    "scim-filter": '" or userName pr or "',
    "sql": "' OR 1=1; DROP TABLE comments; --",
    "path-traversal": "../../etc/passwd/..%2f..%2f",
    "percent-nul": "%00",
    "nul": "a\x00b",
    "crlf": "a\r\nX-Injected: 1\r\n\r\n<html>",
    "long": "A" * 100_000,
    # Right-to-left override, fullwidth letters, zero width space, combining accent, BOM,
    # emoji with a skin tone, a ligature, and a Cyrillic a in alex.morgan.
    "unicode-tricks": "\u202e\uff50\uff52\uff49\uff59\uff41\u200b e\u0301 \ufeff"
    "\U0001f44d\U0001f3fd \ufb01 \u0430lex.morgan",
    "templates": "${jndi:ldap://x/a}{{7*7}}%s%n",
    "graphql-breakout": '"} } { __schema { types { name } } } <script>',
}
