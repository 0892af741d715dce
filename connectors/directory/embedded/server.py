"""A small LDAPv3 server on loopback answering from an ``EmbeddedStore``.

It speaks what Townhall's directory connector asks of Active Directory, over a real
socket, so the demo runs the production code path whole (ldap3's client, BER, paging):
simple bind, search with the Simple Paged Results control (1.2.840.113556.1.4.319),
AD's ranged retrieval of big multi-valued attributes (``member;range=0-1499``), the
root DSE, unbind and abandon. Anything else is answered ``unwillingToPerform``.
A search needs a bind first, as on a DC; a base that does not exist is
``noSuchObject``. It listens on 127.0.0.1 only, on a port of the system's choosing.
"""

from __future__ import annotations

import logging
import secrets
import socket
import socketserver
import threading
from typing import Any

from ..matching import fold_dn
from . import ber
from .ber import APPLICATION, BERError, Node
from .store import EmbeddedStore, Entry, FilterError

log = logging.getLogger("townhall.directory.embedded")

PAGED = "1.2.840.113556.1.4.319"
MAX_VALUES = 1500  # AD's MaxValRange: more values are sent in ranges
MAX_MESSAGE = 1 << 20
SUCCESS, OPERATIONS_ERROR, PROTOCOL_ERROR, SIZE_LIMIT = 0, 1, 2, 4
NO_SUCH_OBJECT, INVALID_CREDENTIALS, UNWILLING = 32, 49, 53
_CAPABILITIES = ["1.2.840.113556.1.4.800"]  # LDAP_CAP_ACTIVE_DIRECTORY_OID


class EmbeddedServer:
    """Serves ``store`` on 127.0.0.1 until ``stop``; binds as ``bind_dn``/``password`` only."""

    def __init__(self, store: EmbeddedStore, bind_dn: str, password: str, base_dn: str) -> None:
        self.store = store
        self.bind_dn = fold_dn(bind_dn)
        self.password = password
        self.base_dn = base_dn
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                _Session(outer, self.request).run()

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="embedded-directory", daemon=True
        )

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def start(self) -> EmbeddedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Session:
    """One client connection: its bind state and its paged searches in progress."""

    def __init__(self, server: EmbeddedServer, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.bound = False
        self.pages: dict[bytes, tuple[list[int], list[str]]] = {}

    def run(self) -> None:
        buffer = bytearray()
        try:
            while True:
                length = None
                while length is None or len(buffer) < length:
                    if length is not None and length > MAX_MESSAGE:
                        return
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                    length = ber.element_length(buffer)
                message, buffer = bytes(buffer[:length]), buffer[length:]
                if not self.answer(ber.decode(message)):
                    return
        except (BERError, OSError, ValueError, IndexError) as exc:
            log.debug("embedded directory: connection closed (%s)", type(exc).__name__)
        finally:
            self.sock.close()

    def send(self, *messages: bytes) -> None:
        self.sock.sendall(b"".join(messages))

    def answer(self, message: Node) -> bool:
        """Answer one LDAPMessage; False when the client said goodbye."""
        if len(message.children) < 2:
            raise BERError("an LDAPMessage has an id and an operation")
        msgid, op = message.children[0].integer(), message.children[1]
        controls = message.children[2].children if len(message.children) > 2 else []
        if op.cls != APPLICATION:
            raise BERError("not an LDAP operation")
        if op.number == 2:  # unbind
            return False
        if op.number == 16:  # abandon: nothing runs in the background to stop
            return True
        if op.number == 0:
            self.send(self.bind(msgid, op))
        elif op.number == 3:
            self.send(*self.search(msgid, op, controls))
        elif op.number == 23:  # extended (StartTLS, whoami, ...)
            self.send(_message(msgid, _result(0x78, UNWILLING, "not supported here")))
        else:
            response_tag = {6: 0x67, 8: 0x69, 10: 0x6B, 12: 0x6D, 14: 0x6F}.get(op.number, 0x65)
            self.send(_message(msgid, _result(response_tag, UNWILLING, "read-only directory")))
        return True

    def bind(self, msgid: int, op: Node) -> bytes:
        name = op.children[1].text() if len(op.children) > 1 else ""
        auth = op.children[2] if len(op.children) > 2 else None
        password = auth.value.decode("utf-8", "replace") if auth and auth.number == 0 else None
        self.bound = (
            password is not None
            and fold_dn(name) == self.server.bind_dn
            and secrets.compare_digest(password, self.server.password)
        )
        code = SUCCESS if self.bound else INVALID_CREDENTIALS
        return _message(msgid, _result(0x61, code, "" if self.bound else "invalid credentials"))

    def search(self, msgid: int, op: Node, controls: list[Node]) -> list[bytes]:
        parts = op.children
        if len(parts) < 8:
            return [_message(msgid, _result(0x65, PROTOCOL_ERROR, "malformed search"))]
        base, scope, size_limit = parts[0].text(), parts[1].integer(), parts[3].integer()
        types_only = parts[5].boolean()
        wanted = [a.text() for a in parts[7].children]
        if base == "" and scope == 0:
            return [_entry(msgid, "", self.root_dse(wanted)), _done(msgid, SUCCESS)]
        if not self.bound:
            return [_done(msgid, OPERATIONS_ERROR, "a successful bind must come first")]
        store = self.server.store
        if store.entry(base) is None:
            return [_done(msgid, NO_SUCH_OBJECT, "no such object")]
        page_size, cookie = _paging(controls)
        if cookie:
            pending = self.pages.pop(cookie, None)
            if pending is None:
                return [_done(msgid, UNWILLING, "unknown paging cookie")]
            matched, wanted = pending
        else:
            try:
                found = store.evaluate(parts[6]) & store.in_scope(base, scope)
            except (FilterError, UnicodeDecodeError) as exc:
                return [_done(msgid, PROTOCOL_ERROR, str(exc))]
            matched = sorted(found)
        code, rest = SUCCESS, []
        if page_size:
            matched, rest = matched[:page_size], matched[page_size:]
        elif size_limit and len(matched) > size_limit:
            matched, code = matched[:size_limit], SIZE_LIMIT
        asked, all_user = _asked(wanted)
        entries = store.entries
        out = [
            _entry(msgid, entries[i].dn, _select_asked(entries[i], asked, all_user, types_only))
            for i in matched
        ]
        response_controls = b""
        if page_size:
            next_cookie = secrets.token_bytes(8) if rest else b""
            if rest:
                self.pages[next_cookie] = (rest, wanted)
            value = ber.sequence(ber.integer(len(rest)), ber.octets(next_cookie))
            response_controls = _controls(PAGED, value)
        out.append(_done(msgid, code, controls=response_controls))
        return out

    def root_dse(self, wanted: list[str]) -> list[bytes]:
        base = self.server.base_dn
        attributes = {
            "namingContexts": [base],
            "defaultNamingContext": [base],
            "supportedLDAPVersion": ["3"],
            "supportedControl": [PAGED],
            "supportedCapabilities": _CAPABILITIES,
            "vendorName": ["Townhall embedded directory"],
        }
        keep = {w.lower() for w in wanted}
        return [
            _attribute(name, [v.encode() for v in values])
            for name, values in attributes.items()
            if not keep or "*" in keep or "+" in keep or name.lower() in keep
        ]


def _asked(wanted: list[str]) -> tuple[list[tuple[str, str | None]], bool]:
    """The attributes a search names, as (folded name, range option), and whether it asks
    for every user attribute (``*`` or none named)."""
    asked: list[tuple[str, str | None]] = []
    for w in wanted:
        base, _, option = w.partition(";")
        if base not in ("*", "1.1", "+"):
            asked.append((base.lower(), option.lower() or None))
    return asked, not wanted or any(w == "*" for w in wanted)


def _select(store: EmbeddedStore, index: int, wanted: list[str], types_only: bool) -> list[bytes]:
    """The attributes of one entry a search asked for (BER), big ones in AD's ranges."""
    return _select_asked(store.entries[index], *_asked(wanted), types_only)


def _select_asked(
    entry: Entry, asked: list[tuple[str, str | None]], all_user: bool, types_only: bool
) -> list[bytes]:
    if all_user:
        named = {n for n, _ in asked}
        asked = asked + [(n, None) for n in entry.attributes if n not in named]
    out: list[bytes] = []
    for key, asked_range in asked:
        found = entry.attributes.get(key)
        if not found:
            continue
        # The common case, an attribute whole: encoded once, then reused (the store does
        # not change once loaded, and most searches ask for the same attributes).
        whole = asked_range is None and not types_only
        cached = entry.encoded.get(key) if whole else None
        if cached is not None:
            out.append(cached)
            continue
        ranged = _ranged(found, asked_range or "")
        if ranged is None:
            continue
        name, chosen = ranged
        encoded = _attribute(name, [] if types_only else chosen)
        if whole:
            entry.encoded[key] = encoded
        out.append(encoded)
    return out


def _ranged(found: tuple[str, list[Any]], option: str) -> tuple[str, list[bytes]] | None:
    """An attribute's name and values as sent: at most ``MAX_VALUES`` of them, from the
    range ``option`` asks for (``range=low-high``), named with the range sent when partial."""
    name, values = found
    low, high = 0, None
    if option and option.startswith("range="):
        bounds = option[6:].split("-", 1)
        try:
            low = int(bounds[0])
            high = None if len(bounds) < 2 or bounds[1] == "*" else int(bounds[1])
        except ValueError:
            return None
    last = len(values) - 1
    stop = last if high is None else min(high, last)
    if stop - low + 1 > MAX_VALUES:
        stop = low + MAX_VALUES - 1
    if option or stop < last:
        name = f"{name};range={low}-{'*' if stop >= last else stop}"
    return name, [_bytes(v) for v in values[low : stop + 1]]


def _attribute(name: str, values: list[bytes]) -> bytes:
    """One PartialAttribute: its type and its set of values."""
    return ber.sequence(ber.octets(name), ber.sequence(*map(ber.octets, values), tag=0x31))


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def _paging(controls: list[Node]) -> tuple[int, bytes]:
    for control in controls:
        parts = control.children
        if parts and parts[0].value.decode("ascii", "replace") == PAGED:
            value = parts[-1] if len(parts) > 1 and parts[-1].number == 4 else None
            if value is None:
                return 0, b""
            inner = ber.decode(value.value)
            return inner.children[0].integer(), inner.children[1].value
    return 0, b""


def _message(msgid: int, op: bytes, controls: bytes = b"") -> bytes:
    return ber.sequence(ber.integer(msgid), op, controls)


def _result(tag: int, code: int, text: str = "") -> bytes:
    return ber.sequence(ber.enumerated(code), ber.octets(b""), ber.octets(text), tag=tag)


def _done(msgid: int, code: int, text: str = "", *, controls: bytes = b"") -> bytes:
    return _message(msgid, _result(0x65, code, text), controls)


def _controls(oid: str, value: bytes) -> bytes:
    return ber.sequence(ber.sequence(ber.octets(oid), ber.octets(value)), tag=0xA0)


def _entry(msgid: int, dn: str, attributes: list[bytes]) -> bytes:
    return _message(msgid, ber.sequence(ber.octets(dn), ber.sequence(*attributes), tag=0x64))
