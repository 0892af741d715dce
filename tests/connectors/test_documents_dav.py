"""WebDAV multistatus parsing: live and dead properties, tags, ETags and RFC 3744 ACLs.

Response shapes as stores send them; wsgidav keeps no ACLs (see
test_documents.py), so the ACL logic is tested here on RFC 3744's own shapes.
"""

from __future__ import annotations

import pytest

from connectors.documents import ANYONE, FolderAccess
from connectors.documents.dav import normalise_etag, parse_multistatus, propfind_body

NS = "urn:townhall:dav:props"


def multistatus(props: str, href: str = "/dav/Planning/Team/Rota.csv") -> bytes:
    return (
        f'<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" xmlns:T="{NS}">'
        f"<D:response><D:href>{href}</D:href>"
        f"<D:propstat><D:prop>{props}</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>"
        "<D:propstat><D:prop><T:title/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status>"
        "</D:propstat></D:response></D:multistatus>"
    ).encode()


def acl(*aces: str) -> str:
    return f"<D:acl>{''.join(aces)}</D:acl>"


def ace(principal: str, privileges: str = "<D:read/>", kind: str = "grant") -> str:
    return (
        f"<D:ace><D:principal>{principal}</D:principal>"
        f"<D:{kind}><D:privilege>{privileges}</D:privilege></D:{kind}></D:ace>"
    )


def group(name: str) -> str:
    return f"<D:href>/principals/groups/{name.replace(' ', '%20')}/</D:href>"


def test_live_and_dead_properties() -> None:
    [record] = parse_multistatus(
        multistatus(
            '<D:getetag>W/"abc-1"</D:getetag><D:getcontentlength>42</D:getcontentlength>'
            "<D:getlastmodified>Tue, 04 Aug 2026 10:00:00 GMT</D:getlastmodified>"
            "<D:creationdate>2026-01-02T03:04:05Z</D:creationdate><D:resourcetype/>"
            "<D:getcontenttype>text/csv; charset=utf-8</D:getcontenttype>"
            "<T:author>a@x</T:author><T:tags>rota, team ,,planning</T:tags>"
        ),
        root="/dav",
        namespace=NS,
    )
    assert record.path == "Planning/Team/Rota.csv" and record.etag == "abc-1"
    assert record.size == 42 and record.content_type == "text/csv"
    assert record.tags == ("rota", "team", "planning")  # comma text
    assert record.title is None  # a 404 propstat is not a value
    assert record.modified_at and record.modified_at.year == 2026
    assert record.readers is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [('"a-b"', "a-b"), ("a-b", "a-b"), ('W/"a-b"', "a-b"), ("", None), (None, None), ('""', None)],
)
def test_etags_are_normalised(value: str | None, expected: str | None) -> None:
    assert normalise_etag(value) == expected


def test_hrefs_outside_the_root_are_dropped() -> None:
    assert parse_multistatus(multistatus("", "/dav/../etc/passwd"), root="/dav", namespace=NS) == []


def test_acl_grants_become_readers() -> None:
    [record] = parse_multistatus(
        multistatus(
            acl(
                ace(group("Staff - Planning")),
                ace(group("Planning Managers"), "<D:all/>"),
                ace(group("Auditors"), "<D:read-acl/>"),  # not a read grant
                ace("<D:property><D:owner/></D:property>"),  # not a group
            )
        ),
        root="/dav",
        namespace=NS,
    )
    assert record.readers == ("Staff - Planning", "Planning Managers")


def test_a_deny_of_read_ends_the_grants() -> None:
    [record] = parse_multistatus(
        multistatus(
            acl(
                ace(group("Staff - Planning")),
                ace("<D:all/>", kind="deny"),
                ace("<D:authenticated/>"),  # never reached: the deny above wins
            )
        ),
        root="/dav",
        namespace=NS,
    )
    assert record.readers == ("Staff - Planning",)


def test_everyone_and_an_empty_acl() -> None:
    [open_] = parse_multistatus(
        multistatus(acl(ace("<D:authenticated/>"))), root="/dav", namespace=NS
    )
    [closed] = parse_multistatus(multistatus(acl()), root="/dav", namespace=NS)
    assert open_.readers == (ANYONE,) and closed.readers == ()


def test_readers_from_the_store_or_the_folder_map() -> None:
    [record] = parse_multistatus(
        multistatus(acl(ace(group("Staff - Planning")))), root="/dav", namespace=NS
    )
    [no_acl] = parse_multistatus(multistatus(""), root="/dav", namespace=NS)
    rules = {"Planning": ["All Staff"]}
    folders = FolderAccess(rules)
    store = FolderAccess(rules, readers_from="store")
    both = FolderAccess(rules, readers_from="both")
    assert folders.may_read_record(record, ["All Staff"])
    assert not store.may_read_record(record, ["All Staff"])
    assert store.may_read_record(record, ["staff - planning"])
    assert not store.may_read_record(no_acl, ["All Staff"])  # no ACL: nobody
    assert both.may_read_record(no_acl, ["All Staff"])  # no ACL: the folder map
    assert not both.may_read_record(record, ["All Staff"])


def test_the_propfind_body_asks_for_the_acl_only_when_wanted() -> None:
    assert b"<D:acl/>" not in propfind_body(NS)
    assert b"<D:acl/>" in propfind_body(NS, acl=True)
    assert b'xmlns:T="a&quot;b"' in propfind_body('a"b')
