"""The hostile corpus, as data: what a careless or hostile client sends to ``/graphql``.

Each ``Case`` is one request and the answers Townhall may give it: the HTTP statuses and
the outcome, which is ``OK`` (data, no errors) or the error codes the answer carries.
``tests/gateway/test_hostile.py`` sends them over real HTTP and adds what every case
must hold (answered within 2 s, never 5xx, nothing internal in the body, the gateway
still answering afterwards).

Groups: ``BOMBS`` (documents built to cost far more than they look), ``REQUESTS``
(bodies, parameters, media types and methods that are not GraphQL over HTTP),
``PAYLOADS`` and ``ID_PAYLOADS`` (strings put into every String and ID argument), and
``TOKENS`` (bearer tokens that must all be refused).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

OK = "OK"
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON_TYPE = {"Content-Type": "application/json"}
PARSE, INVALID, INPUT = "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"
DEEP, ALIASES, COSTLY = "QUERY_TOO_DEEP", "TOO_MANY_ALIASES", "QUERY_TOO_COSTLY"
BAD, NOT_FOUND, MISSING = "BAD_REQUEST", "OPERATION_NOT_FOUND", "QUERY_MISSING"

# Markers of internals. Sent strings are removed from an answer before it is searched
# (an error may quote what the client sent).
INTERNALS = (
    "DC=", "CN=", "OU=", "http://127.0.0.1", "https://127.0.0.1", "ldap://", "/work/", "/tmp/",
    "/usr/", "site-packages", "sqlite3.", "sqlalchemy", "asyncpg", "aiosqlite", "SELECT ",
    "INSERT INTO", "UPDATE ", "Traceback", 'File "', "NoneType", "object has no attribute",
    "validation error for", "Internal Server Error",
)  # fmt: skip
EXCEPTION_NAMES = re.compile(
    r"\b(?:Key|Value|Type|Attribute|Index|Runtime|Assertion|Recursion|UnicodeDecode|"
    r"UnicodeEncode|ZeroDivision|Overflow|Name|Import|OS|FileNotFound|Permission|Connection|"
    r"Integrity|Operational|Programming|Data|Interface|JSONDecode|HTTPStatus|Connect|Read|"
    r"Validation|LDAPSocketOpen|LDAPOperationResult|Timeout|Cancelled)Error\b|"
    r"\bLDAP[A-Za-z]*Exception\b|\bStopIteration\b|\bCancelledError\b"
)


def assert_clean(text: str, sent: Iterable[str] = ()) -> None:
    """Nothing internal in ``text`` once what the client sent is taken out of it."""
    for value in sorted(sent, key=len, reverse=True):
        if len(value) >= 3:
            for form in {
                value,
                json.dumps(value)[1:-1],
                json.dumps(value, ensure_ascii=False)[1:-1],
            }:
                text = text.replace(form, "")
    found = [marker for marker in INTERNALS if marker in text]
    found += EXCEPTION_NAMES.findall(text)
    assert not found, f"internals in the answer: {found}: {text[:500]}"


@dataclass(frozen=True)
class Case:
    """One request, and what may come back: ``expect`` holds the allowed outcomes (every
    error code of the answer must be one of them; ``OK`` allows an answer without errors)."""

    id: str
    expect: frozenset[str]
    method: str = "POST"
    json: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] | None = None
    status: frozenset[int] = frozenset({200})
    xfail: str = ""

    def body(self) -> bytes | None:
        """What goes on the wire: JSON with every non-ASCII character escaped (so lone
        surrogates can be sent, as a hostile client's JSON may hold them)."""
        if self.content is not None:
            return self.content
        return None if self.json is None else json.dumps(self.json).encode()


def q(
    id: str,
    query: str,
    *expect: str,
    variables: Any = None,
    operation: str | None = None,
    status: tuple[int, ...] = (200,),
    accept: str | None = None,
    xfail: str = "",
) -> Case:
    """A POSTed GraphQL document."""
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    if operation is not None:
        body["operationName"] = operation
    headers = {**JSON_TYPE, **({"Accept": accept} if accept else {})}
    return Case(id, frozenset(expect), json=body, headers=headers, status=frozenset(status),
                xfail=xfail)  # fmt: skip


def raw(
    id: str,
    content: bytes,
    *expect: str,
    status: int | tuple[int, ...] = 400,
    headers: Mapping[str, str] = JSON_TYPE,
    xfail: str = "",
) -> Case:
    """A POSTed body as bytes, sent with ``headers``."""
    statuses = frozenset(status if isinstance(status, tuple) else (status,))
    return Case(id, frozenset(expect), content=content, headers=headers, status=statuses,
                xfail=xfail)  # fmt: skip


def doubling(levels: int, inner: Callable[[int], str], leaf: str = "displayName") -> str:
    """Fragments F0..F(levels-1) on Person, each ``inner(next)``; the last selects ``leaf``."""
    parts = ["query Bomb { me { ...F0 } }"]
    for i in range(levels):
        body = leaf if i == levels - 1 else inner(i + 1)
        parts.append(f"fragment F{i} on Person {{ {body} }}")
    return " ".join(parts)


def nested(field: str, levels: int, leaf: str = "displayName") -> str:
    return "{ me { " + f"{field} {{ " * levels + leaf + " }" * levels + " } }"


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


INTROSPECTION_TYPE = "fields { name type { name ofType { name ofType { name } } } }"

BOMBS: list[Case] = [
    # Fragments: doubling chains, fan-out, cycles, nesting.
    q("fragments-doubling-30-merged", doubling(30, lambda n: f"...F{n} ...F{n}"), OK),
    q(
        "fragments-doubling-30-fields",
        doubling(30, lambda n: f"a: manager {{ ...F{n} }} b: manager {{ ...F{n} }}"),
        DEEP,
    ),
    q(
        "fragments-doubling-10-aliased",
        doubling(10, lambda n: f"a: manager {{ ...F{n} }} b: manager {{ ...F{n} }}"),
        ALIASES,
    ),
    q(
        "fragments-tripling-10-distinct-fields",
        doubling(
            10,
            lambda n: f"manager {{ ...F{n} }} directReports {{ ...F{n} }} colleagues {{ ...F{n} }}",
        ),
        COSTLY,
    ),
    q(
        "fragments-fan-out-300-distinct",
        "{ "
        + " ".join(f"...Q{i}" for i in range(300))
        + " } "
        + " ".join(f"fragment Q{i} on Query {{ __typename }}" for i in range(300)),
        OK,
    ),
    q(
        "fragments-fan-out-one-spread-1500-times",
        "{ " + "...Q " * 1500 + "} fragment Q on Query { __typename }",
        OK,
        INVALID,
    ),
    q(
        "fragments-fan-out-300-on-person",
        "{ me { "
        + " ".join(f"...P{i}" for i in range(300))
        + " } } "
        + " ".join(f"fragment P{i} on Person {{ manager {{ displayName }} }}" for i in range(300)),
        OK,
    ),
    q("fragments-cycle-self", "{ ...A } fragment A on Query { ...A }", INVALID),
    q(
        "fragments-cycle-two",
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        INVALID,
    ),
    q(
        "fragments-cycle-through-fields",
        "{ me { ...A } } fragment A on Person { manager { ...B } } "
        "fragment B on Person { manager { ...C } } fragment C on Person { manager { ...A } }",
        INVALID,
    ),
    q(
        "fragments-cycle-300-long",
        "{ ...C0 } "
        + " ".join(f"fragment C{i} on Query {{ ...C{(i + 1) % 300} }}" for i in range(300)),
        INVALID,
    ),
    q(
        "fragments-unknown-and-unused",
        "{ ...Missing } "
        + " ".join(f"fragment U{i} on Query {{ __typename }}" for i in range(200)),
        INVALID,
    ),
    q(
        "fragments-inline-nested-100",
        "{ " + "... on Query { " * 100 + "__typename" + " }" * 101,
        OK,
    ),
    q("fragments-inline-nested-900", "{ " + "... { " * 900 + "__typename" + " }" * 901, PARSE),
    q("fragments-inline-nested-1300", "{ " + "... { " * 1300 + "__typename" + " }" * 1301, PARSE),
    q(
        "fragments-on-wrong-types-200",
        "{ me { " + " ".join(f"... on Document {{ title{i}: title }}" for i in range(200)) + " } }",
        INVALID,
    ),
    # Aliases: many, and on expensive fields.
    q(
        "aliases-31-typename",
        "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }",
        ALIASES,
    ),
    q(
        "aliases-900-typename",
        "{ " + " ".join(f"a{i}: __typename" for i in range(900)) + " }",
        ALIASES,
    ),
    q(
        "aliases-30-nested-org-chart",
        "{ me { "
        + " ".join(f"d{i}: directReports {{ colleagues {{ displayName }} }}" for i in range(30))
        + " } }",
        OK,
        COSTLY,
    ),
    q(
        "aliases-conflicting-same-name",
        "{ me { " + " ".join(f"x: {f}" for f in ("displayName", "title", "mail")) + " } }",
        INVALID,
    ),
    # Directives.
    q(
        "directives-include-repeated-500",
        "{ __typename " + "@include(if: true) " * 500 + "}",
        INVALID,
    ),
    q("directives-unknown-500", "{ __typename " + "@nope " * 500 + "}", INVALID),
    q(
        "directives-unknown-with-args-300",
        "{ __typename " + " ".join(f"@d{i}(x: {i})" for i in range(300)) + " }",
        INVALID,
    ),
    q(
        "directives-huge-string-argument",
        '{ __typename @include(if: "' + "x" * 500_000 + '") }',
        INVALID,
    ),
    q(
        "directives-huge-list-argument",
        "{ __typename @skip(if: [" + "true " * 3000 + "]) }",
        INVALID,
    ),
    q(
        "directives-variable-huge-value",
        "query($v: Boolean!) { __typename @skip(if: $v) }",
        INPUT,
        variables={"v": ["x" * 1000] * 500},
    ),
    q("directives-misplaced", "query @include(if: true) { __typename @deprecated }", INVALID),
    q(
        "directives-skip-on-400-fields",
        "{ " + "__typename @skip(if: false) " * 400 + "}",
        OK,
        INVALID,
    ),
    # Lists.
    q(
        "lists-first-int-max",
        "{ people(first: 2147483647) { totalCount nodes { displayName } } }",
        COSTLY,
    ),
    q("lists-first-past-int", "{ people(first: 99999999999999999999) { totalCount } }", INVALID),
    q("lists-first-negative", "{ people(first: -1) { totalCount } }", INPUT),
    q("lists-first-negative-nested", "{ me { followers(first: -5) { totalCount } } }", INPUT),
    q("lists-first-zero", "{ people(first: 0) { totalCount nodes { displayName } } }", OK),
    q("lists-first-float", "{ people(first: 1.5) { totalCount } }", INVALID),
    q("lists-first-string", '{ people(first: "10") { totalCount } }', INVALID),
    q("lists-documents-million", "{ documents(first: 1000000) { nodes { title } } }", COSTLY),
    q(
        "lists-nested-multiplying",
        "{ people(first: 100) { nodes { directReports { directReports { groups { name } } } } } }",
        COSTLY,
    ),
    q(
        "lists-variable-int-max",
        "query($n: Int!) { people(first: $n) { nodes { displayName } } }",
        COSTLY,
        variables={"n": 2147483647},
    ),
    q(
        "lists-variable-past-int",
        "query($n: Int!) { people(first: $n) { totalCount } }",
        INPUT,
        variables={"n": 10**30},
    ),
    q(
        "lists-variable-negative",
        "query($n: Int!) { people(first: $n) { totalCount } }",
        INPUT,
        variables={"n": -2147483648},
    ),
    q(
        "lists-endorsers-million",
        "{ me { profile { skills { endorsers(first: 1000000) { displayName } } } } }",
        COSTLY,
    ),
    q("lists-moderation-queue-million", "{ moderationQueue(first: 1000000) { id } }", COSTLY),
    q("lists-experts-million", '{ experts(topic: "planning", first: 1000000) { score } }', COSTLY),
    # Depth.
    q("depth-12-at-the-limit", nested("manager", 10), OK),
    q("depth-13-past-the-limit", nested("manager", 11), DEEP),
    q("depth-100", nested("manager", 98), DEEP),
    q("depth-1000-braces", "{" * 1000 + "}" * 1000, PARSE),
    q("depth-5000-open-braces", "{" * 5000, PARSE),
    q(
        "depth-list-literal-1300",
        "{ people(search: " + "[" * 1300 + '"a"' + "]" * 1300 + ") { totalCount } }",
        PARSE,
    ),
    q(
        "depth-object-literal-1300",
        "{ people(search: " + "{a: " * 1300 + "1" + "}" * 1300 + ") { totalCount } }",
        PARSE,
    ),
    # Long strings.
    q(
        "long-string-literal-900k",
        '{ people(search: "' + "a" * 900_000 + '") { totalCount } }',
        INPUT,
    ),
    q("long-block-string-900k", '{ tag(name: """' + "b" * 900_000 + '""") { name } }', OK, INPUT),
    q(
        "long-string-escapes",
        '{ people(search: "' + "\\u00e9" * 100_000 + '") { totalCount } }',
        INPUT,
    ),
    q("long-string-lone-surrogate-escape", '{ people(search: "\\uD800") { totalCount } }', PARSE),
    q("long-string-nul-escape", '{ people(search: "a\\u0000b") { totalCount } }', OK),
    q("long-comment-900k", "#" + "c" * 900_000 + "\n{ __typename }", OK),
    q("long-commas-900k", "{" + "," * 900_000 + "__typename }", OK),
    q("long-name-100k", "{ " + "a" * 100_000 + " }", INVALID),
    # Many operations, many variables.
    q(
        "operations-700-named",
        " ".join(f"query Q{i} {{ __typename }}" for i in range(700)),
        OK,
        operation="Q699",
    ),
    q(
        "operations-700-unnamed-choice",
        " ".join(f"query Q{i} {{ __typename }}" for i in range(700)),
        NOT_FOUND,
    ),
    q(
        "operations-700-same-name",
        " ".join("query Q { __typename }" for _ in range(700)),
        INVALID,
        operation="Q",
    ),
    q(
        "operations-missing-name",
        "query A { __typename } query B { __typename }",
        NOT_FOUND,
        operation="C" * 10_000,
    ),
    q("operations-anonymous-and-named", "{ __typename } query B { __typename }", INVALID),
    q("operations-too-many-tokens", "{ " + "__typename " * 4001 + "}", PARSE),
    q(
        "variables-500-unused",
        "query(" + " ".join(f"$v{i}: Int" for i in range(500)) + ") { __typename }",
        INVALID,
    ),
    q(
        "variables-200-used",
        "query("
        + " ".join(f"$v{i}: Boolean! = true" for i in range(200))
        + ") { "
        + " ".join(f"__typename @include(if: $v{i})" for i in range(200))
        + " }",
        OK,
    ),
    q(
        "variables-10000-undeclared",
        "{ __typename }",
        OK,
        variables={f"x{i}": i for i in range(10_000)},
    ),
    q(
        "variables-undeclared-deep",
        "{ __typename }",
        OK,
        variables={"x": json.loads("[" * 200 + "]" * 200)},
    ),
    q(
        "variables-wrong-shapes",
        "query($i: FollowInput!, $n: Int!) { __typename }",
        INVALID,
        variables={"i": [1, 2], "n": {"a": 1}},
    ),
    q(
        "variables-input-object-extra-fields",
        "query($i: FollowInput!) { __typename @skip(if: false) }",
        INVALID,
        variables={"i": {f"f{i}": "x" for i in range(5000)}},
    ),
    # Introspection.
    q(
        "introspection-types-fields-nested",
        "{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }",
        INVALID,
    ),
    q("introspection-oftype-chain", "{ __schema { types { " + INTROSPECTION_TYPE + " } } }", OK),
    q(
        "introspection-30-aliases",
        "{ "
        + " ".join(f"s{i}: __schema {{ types {{ {INTROSPECTION_TYPE} }} }}" for i in range(30))
        + " }",
        OK,
        "RESPONSE_TOO_LARGE",
        "TOO_MANY_OBJECTS",
    ),
    q(
        "introspection-depth-100",
        "{ __schema { types { " + "fields { type { " * 50 + "name" + " } }" * 50 + " } } }",
        DEEP,
        INVALID,
    ),
    q(
        "introspection-doubling-fragments",
        "{ __schema { types { ...T0 } } } "
        + " ".join(
            f"fragment T{i} on __Type {{ fields {{ type {{ ...T{i + 1} ...T{i + 1} }} }} }}"
            for i in range(20)
        )
        + " fragment T20 on __Type { name }",
        DEEP,
        INVALID,
    ),
    q("introspection-type-by-long-name", '{ __type(name: "' + "Q" * 100_000 + '") { name } }', OK),
    # The same field with different arguments: OverlappingFieldsCanBeMerged compares
    # every pair, so it must refuse these without taking long.
    q(
        "duplicates-440-people-different-args",
        "{ " + " ".join(f'people(search: "s{i}") {{ totalCount }}' for i in range(440)) + " }",
        INVALID,
    ),
    q("duplicates-800-me-same-selection", "{ " + "me { displayName } " * 800 + "}", OK, INVALID),
    q(
        "duplicates-400-me-different-subfields",
        "{ " + " ".join(f"me {{ f{i}: displayName }}" for i in range(400)) + " }",
        ALIASES,
    ),
    q("duplicates-1300-typename", "{ " + "__typename " * 1300 + "}", OK, INVALID),
    q(
        "duplicates-300-documents-different-first",
        "{ " + " ".join(f"documents(first: {i}) {{ totalCount }}" for i in range(300)) + " }",
        INVALID,
    ),
    # Operation types the endpoint does not run.
    q("subscription", "subscription { __typename }", INVALID, BAD),
    q("mutation-unknown-field", "mutation { dropEverything }", INVALID),
]


def get(
    id: str,
    params: Mapping[str, str],
    *expect: str,
    status: int = 200,
    xfail: str = "",
    **headers: str,
) -> Case:
    return Case(id, frozenset(expect), method="GET", params=params, headers=headers,
                status=frozenset({status}), xfail=xfail)  # fmt: skip


def accept(value: str) -> dict[str, str]:
    return {**JSON_TYPE, "Accept": value}


def method(name: str, status: int = 405, *expect: str) -> Case:
    return Case(f"method-{name.lower()}", frozenset(expect or ("METHOD_NOT_ALLOWED",)),
                method=name, json={"query": "{ __typename }"}, headers=JSON_TYPE,
                status=frozenset({status}))  # fmt: skip


TYPENAME = b'{"query": "{ __typename }"}'
NESTED_JSON = b'{"query": "{ __typename }", "variables": {"x": ' + b"[" * 100_000 + b"]}"
APQ = "PERSISTED_QUERY_NOT_FOUND"

REQUESTS: list[Case] = [
    # Batching and bodies that are not one JSON object.
    raw("batch-empty-array", b"[]", BAD),
    raw("batch-two", b'[{"query": "{ __typename }"}, {"query": "{ __typename }"}]', BAD),
    raw("batch-1000", b"[" + b",".join([TYPENAME] * 1000) + b"]", BAD),
    raw("body-string", b'"{ __typename }"', BAD),
    raw("body-number", b"5", BAD),
    raw("body-null", b"null", BAD),
    raw("body-true", b"true", BAD),
    raw("body-empty-object", b"{}", MISSING, status=(200, 400)),
    # Parameters of the wrong types.
    raw("query-number", b'{"query": 5}', BAD),
    raw("query-null-only", b'{"query": null}', MISSING, status=(200, 400)),
    raw("query-array", b'{"query": ["{ __typename }"]}', BAD),
    raw("query-object", b'{"query": {"query": "{ __typename }"}}', BAD),
    raw("variables-string", b'{"query": "{ __typename }", "variables": "{}"}', BAD),
    raw("variables-array", b'{"query": "{ __typename }", "variables": []}', BAD),
    raw("variables-number", b'{"query": "{ __typename }", "variables": 1}', BAD),
    raw("operation-name-number", b'{"query": "{ __typename }", "operationName": 1}', BAD),
    raw("operation-name-array", b'{"query": "{ __typename }", "operationName": ["a"]}', BAD),
    raw("operation-name-object", b'{"query": "{ __typename }", "operationName": {}}', BAD),
    raw("extensions-string", b'{"query": "{ __typename }", "extensions": "x"}', BAD),
    raw("extensions-array", b'{"query": "{ __typename }", "extensions": []}', BAD),
    raw(
        "extensions-persisted-query-string",
        b'{"query": "{ __typename }", "extensions": {"persistedQuery": "x"}}',
        BAD,
        "PERSISTED_QUERY_INVALID",
        status=(200, 400),
    ),
    raw(
        "extensions-persisted-hash-traversal",
        b'{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "../../etc/passwd"}}}',
        BAD,
        "PERSISTED_QUERY_INVALID",
        status=(200, 400),
    ),
    raw(
        "extensions-persisted-unknown-hash",
        b'{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "' + b"a" * 64 + b'"}}}',
        APQ,
        status=200,
    ),
    raw(
        "extensions-persisted-hash-mismatch",
        b'{"query": "{ me { displayName } }", "extensions": {"persistedQuery": '
        b'{"version": 1, "sha256Hash": "' + b"b" * 64 + b'"}}}',
        BAD,
        "PERSISTED_QUERY_HASH_MISMATCH",
        status=(200, 400),
    ),
    raw(
        "unknown-keys",
        b'{"query": "{ __typename }", "queryId": 1, "' + b"k" * 10_000 + b'": 2}',
        OK,
        status=200,
    ),
    # Huge and deeply nested JSON.
    raw("json-nested-100000", NESTED_JSON, BAD),
    raw(
        "json-nested-objects-100000",
        b'{"query": "{ __typename }", "extensions": ' + b'{"a":' * 100_000 + b"1" + b"}" * 100_001,
        BAD,
    ),
    raw(
        "json-900k-array-of-numbers",
        b'{"query": "{ __typename }", "variables": {"x": [' + b"1," * 450_000 + b"1]}}",
        OK,
        status=200,
    ),
    raw(
        "json-huge-number",
        b'{"query": "{ __typename }", "variables": {"x": 1' + b"0" * 100_000 + b"}}",
        BAD,
    ),
    raw(
        "json-duplicate-keys",
        b'{"query": "{ me { displayName } }", "query": "{ __typename }"}',
        OK,
        status=200,
    ),
    # Malformed JSON.
    raw("json-truncated", b'{"query": "{ __typename }"', BAD),
    raw("json-trailing-garbage", TYPENAME + b" trailing", BAD),
    raw("json-nan", b'{"query": "{ __typename }", "variables": {"x": NaN}}', BAD, OK, status=200),
    raw("json-single-quotes", b"{'query': '{ __typename }'}", BAD),
    raw("json-comment", b'{"query": "{ __typename }" /* hi */}', BAD),
    raw("json-bom", b"\xef\xbb\xbf" + TYPENAME, BAD),
    raw("json-control-character-in-string", b'{"query": "{ __typename\x01 }"}', BAD),
    # Bad UTF-8 and surrogates.
    raw("utf8-invalid-byte", b'{"query": "{ __typename } \xff"}', BAD),
    raw("utf8-overlong-slash", b'{"query": "\xc0\xaf{ __typename }"}', BAD),
    raw("utf8-encoded-surrogate", b'{"query": "{ __typename } \xed\xa0\x80"}', BAD),
    raw("utf8-truncated-sequence", b'{"query": "{ __typename } \xe2\x82"}', BAD),
    raw("utf16-body", TYPENAME.decode().encode("utf-16"), BAD),
    raw(
        "json-lone-surrogate-in-query",
        b'{"query": "{ __typename } # \\ud800"}',
        BAD,
        status=400,
    ),
    raw(
        "json-lone-surrogate-in-variable",
        b'{"query": "query($s: String!) { tag(name: $s) { name } }", "variables": {"s": "\\udc80"}}',
        BAD,
        status=400,
    ),
    raw(
        "json-lone-surrogate-in-operation-name",
        b'{"query": "{ __typename }", "operationName": "\\ud800"}',
        BAD,
        status=400,
    ),
    # Content types.
    raw(
        "content-type-text-plain",
        TYPENAME,
        "UNSUPPORTED_MEDIA_TYPE",
        status=415,
        headers={"Content-Type": "text/plain"},
    ),
    raw("content-type-missing", TYPENAME, "UNSUPPORTED_MEDIA_TYPE", status=415, headers={}),
    raw(
        "content-type-form",
        b"query=%7B+__typename+%7D",
        "UNSUPPORTED_MEDIA_TYPE",
        status=415,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    raw(
        "content-type-multipart",
        b"--b\r\n\r\n" + TYPENAME + b"\r\n--b--",
        "UNSUPPORTED_MEDIA_TYPE",
        status=415,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    ),
    raw(
        "content-type-graphql",
        b"{ __typename }",
        "UNSUPPORTED_MEDIA_TYPE",
        status=415,
        headers={"Content-Type": "application/graphql"},
    ),
    raw(
        "content-type-latin1",
        TYPENAME,
        "UNSUPPORTED_MEDIA_TYPE",
        status=415,
        headers={"Content-Type": "application/json; charset=latin1"},
    ),
    raw(
        "content-type-json-with-junk-parameters",
        TYPENAME,
        OK,
        status=200,
        headers={"Content-Type": 'application/json; x="y"; ;;; charset="UTF-8"'},
    ),
    raw(
        "content-type-two-values",
        TYPENAME,
        "UNSUPPORTED_MEDIA_TYPE",
        status=415,
        headers={"Content-Type": "application/json, text/plain"},
    ),
    # Empty bodies.
    raw("body-empty", b"", BAD),
    raw("body-whitespace", b" \r\n\t ", BAD),
    # Accept headers: only the first 32 media ranges are read.
    raw("accept-html-only", TYPENAME, "NOT_ACCEPTABLE", status=406, headers=accept("text/html")),
    raw(
        "accept-all-q0",
        TYPENAME,
        "NOT_ACCEPTABLE",
        status=406,
        headers=accept(f"{GRAPHQL_RESPONSE};q=0, application/json;q=0"),
    ),
    raw(
        "accept-2000-types",
        TYPENAME,
        "NOT_ACCEPTABLE",
        status=406,
        headers=accept(", ".join(f"text/x{i}" for i in range(2000)) + ", application/json"),
    ),
    raw(
        "accept-bad-quality",
        TYPENAME,
        "NOT_ACCEPTABLE",
        status=406,
        headers=accept("application/json;q=abc;q=;q"),
    ),
    raw(
        "accept-graphql-response-parse-error",
        b'{"query": "{"}',
        PARSE,
        headers=accept(GRAPHQL_RESPONSE),
    ),
    # GET.
    get("get-no-parameters", {"x": "1"}, "QUERY_MISSING", status=400, Accept=GRAPHQL_RESPONSE),
    get(
        "get-mutation",
        {"query": "mutation { markNotificationsRead(input: {all: true}) { __typename } }"},
        "METHOD_NOT_ALLOWED",
        status=405,
    ),
    get("get-variables-not-json", {"query": "{ __typename }", "variables": "{x"}, BAD, status=400),
    get(
        "get-extensions-not-json",
        {"query": "{ __typename }", "extensions": "[" * 5000},
        BAD,
        status=400,
    ),
    get("get-long-query", {"query": "{ " + "__typename " * 1200 + "}"}, OK, INVALID),
    get(
        "get-header-bomb-70k",
        {"query": "{ __typename }"},
        "HEADERS_TOO_LARGE",
        status=431,
        **{"X-Padding": "y" * 70_000},
    ),
    get(
        "get-header-bomb-300k",
        {"query": "{ __typename }"},
        "HEADERS_TOO_LARGE",
        status=431,
        **{"X-Padding": "y" * 300_000},
    ),
    get(
        "get-4000-parameters", {f"p{i}": "x" for i in range(4000)} | {"query": "{ __typename }"}, OK
    ),
    # Methods. OPTIONS is answered by the router, in plain text.
    method("PUT"),
    method("DELETE"),
    method("PATCH"),
    method("OPTIONS", 405, "NOT_JSON"),
    Case("method-head", frozenset({"EMPTY"}), method="HEAD", status=frozenset({405})),
    # Request ids a client makes up are ignored, not echoed.
    raw(
        "request-id-hostile",
        TYPENAME,
        OK,
        status=200,
        headers={**JSON_TYPE, "X-Request-Id": "../../etc/passwd\t<script>" + "x" * 5000},
    ),
]

# Cheap to ask for, slow to answer: sent to a gateway whose operations have a 1.5 s
# deadline, so that each is answered in time; the outcome must still be the data.
TOPICS = list(enumerate(("housing", "finance", "highways", "waste", "parking", "payroll",
                         "planning", "recruitment")))  # fmt: skip
SLOW: list[Case] = [
    q(
        "aliases-8-people-searches",
        "{ "
        + " ".join(f'p{i}: people(search: "s{i}", first: 100) {{ totalCount }}' for i in range(8))
        + " }",
        OK,
        "OPERATION_TIMEOUT",
    ),
    q(
        "aliases-8-experts",
        "{ "
        + " ".join(f'e{i}: experts(topic: "{t}", first: 50) {{ score }}' for i, t in TOPICS)
        + " }",
        COSTLY,
    ),
    q(
        "group-members-of-all-staff",
        '{ group(name: "All Staff") { members(first: 1) { totalCount } } }',
        OK,
    ),
    q(
        "my-groups-members",
        "{ me { groups { members(first: 1) { totalCount } } } }",
        OK,
    ),
]
