"""WebDAV XML: the PROPFIND request body and the multistatus answers (RFC 4918, RFC 3744).

Pure functions, no I/O: they turn a ``207 Multi-Status`` body into
:class:`DocumentRecord` values. Live properties come from ``DAV:``; author,
last editor, tags, title and creation time are dead properties in a configurable namespace.
Where the store exposes RFC 3744 access control lists (``DAV:acl``), the
principals granted ``read`` become the record's ``readers``. Bodies are parsed
with defusedxml: the store is trusted to be a store, not to be a safe XML source.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from .errors import DocumentUnavailable
from .records import ANYONE, DocumentRecord

DAV = "DAV:"
LIVE_PROPERTIES = (
    "displayname",
    "getcontenttype",
    "getcontentlength",
    "getetag",
    "creationdate",
    "getlastmodified",
    "resourcetype",
)
DEAD_PROPERTIES = ("author", "lastEditor", "tags", "title", "created")
_READ_PRIVILEGES = frozenset({"read", "all"})


def propfind_body(namespace: str, *, acl: bool = False) -> bytes:
    """A PROPFIND asking for the live and dead properties (and the ACL when ``acl``)."""
    live = "".join(f"<D:{name}/>" for name in LIVE_PROPERTIES)
    dead = "".join(f"<T:{name}/>" for name in DEAD_PROPERTIES)
    extra = "<D:acl/>" if acl else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<D:propfind xmlns:D="DAV:" xmlns:T="{_attr(namespace)}"><D:prop>{live}{dead}{extra}'
        "</D:prop></D:propfind>"
    ).encode()


def parse_multistatus(body: bytes, *, root: str, namespace: str) -> list[DocumentRecord]:
    """Records for every ``DAV:response`` of a multistatus body.

    ``root`` is the URL path of the store's root (hrefs are made relative to it).
    """
    try:
        tree = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise DocumentUnavailable("the document store answered with invalid XML") from exc
    records = []
    for node in tree.iter(f"{{{DAV}}}response"):
        record = _record(node, root.rstrip("/"), namespace)
        if record is not None:
            records.append(record)
    return records


def _record(node: Element, root: str, namespace: str) -> DocumentRecord | None:
    href = node.findtext(f"{{{DAV}}}href") or ""
    path = unquote(urlsplit(href).path)
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root) :]
    path = path.strip("/")
    if ".." in path.split("/") or "\x00" in path:
        return None  # never trust a store to stay inside its own root
    props: dict[str, Element] = {}
    for propstat in node.findall(f"{{{DAV}}}propstat"):
        status = (propstat.findtext(f"{{{DAV}}}status") or "").split()
        if len(status) < 2 or status[1] != "200":
            continue
        for prop in propstat.findall(f"{{{DAV}}}prop/*"):
            props[prop.tag] = prop

    def text(ns: str, name: str) -> str | None:
        element = props.get(f"{{{ns}}}{name}")
        value = (element.text or "").strip() if element is not None else ""
        return value or None

    kind = props.get(f"{{{DAV}}}resourcetype")
    is_folder = kind is not None and kind.find(f"{{{DAV}}}collection") is not None
    size = text(DAV, "getcontentlength")
    acl = props.get(f"{{{DAV}}}acl")
    return DocumentRecord(
        path=path,
        is_folder=is_folder,
        name=text(DAV, "displayname") or path.rsplit("/", 1)[-1],
        title=text(namespace, "title"),
        content_type=None if is_folder else _content_type(text(DAV, "getcontenttype")),
        size=int(size) if size and size.isdigit() else None,
        etag=normalise_etag(text(DAV, "getetag")),
        # A store's creationdate is often when the file was copied in (wsgidav: the
        # inode's ctime); the dead property keeps when the document was written.
        created_at=iso_datetime(text(namespace, "created") or text(DAV, "creationdate")),
        modified_at=http_datetime(text(DAV, "getlastmodified")),
        author=text(namespace, "author"),
        last_editor=text(namespace, "lastEditor"),
        tags=parse_tags(props.get(f"{{{namespace}}}tags")),
        readers=acl_readers(acl) if acl is not None else None,
    )


def acl_readers(acl: Element) -> tuple[str, ...]:
    """The principals an RFC 3744 ``DAV:acl`` lets read, as group (principal) names.

    ACEs are evaluated in order and the first that matches a principal wins, so a
    ``deny`` of read stops the walk: grants after it might not apply to everyone
    they name, and leaving them out can only hide a document, never reveal one.
    ``DAV:all`` and ``DAV:authenticated`` become :data:`ANYONE` (any signed-in
    viewer). Principals named by property (``DAV:owner``, ``DAV:self``) are not
    groups Townhall can check, so they grant nothing here.
    """
    readers: list[str] = []
    for ace in acl.findall(f"{{{DAV}}}ace"):
        principal = ace.find(f"{{{DAV}}}principal")
        if principal is None:
            continue
        if ace.find(f"{{{DAV}}}deny") is not None:
            if _privileges(ace.find(f"{{{DAV}}}deny")) & _READ_PRIVILEGES:
                break
            continue
        grant = ace.find(f"{{{DAV}}}grant")
        if grant is None or not _privileges(grant) & _READ_PRIVILEGES:
            continue
        if any(principal.find(f"{{{DAV}}}{n}") is not None for n in ("all", "authenticated")):
            readers.append(ANYONE)
        else:
            href = (principal.findtext(f"{{{DAV}}}href") or "").strip()
            name = unquote(urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1]) if href else ""
            if name:
                readers.append(name)
    return tuple(dict.fromkeys(readers))


def _privileges(element: Element | None) -> set[str]:
    if element is None:
        return set()
    found = set()
    for privilege in element.findall(f"{{{DAV}}}privilege"):
        for child in privilege:
            if child.tag.startswith(f"{{{DAV}}}"):
                found.add(child.tag[len(DAV) + 2 :])
    return found


def normalise_etag(value: str | None) -> str | None:
    """An ETag without quotes or weakness marker: PROPFIND and headers disagree on them."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"') or None


def parse_tags(element: Element | None) -> tuple[str, ...]:
    """Tags kept as child elements (``<tag>a</tag><tag>b</tag>``) or as comma-separated text."""
    if element is None:
        return ()
    children = list(element)
    values = [c.text or "" for c in children] if children else (element.text or "").split(",")
    return tuple(v.strip() for v in values if v.strip())


def iso_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def http_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _content_type(value: str | None) -> str | None:
    return value.split(";")[0].strip() if value else None


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
