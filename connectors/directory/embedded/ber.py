"""The BER that LDAP speaks (RFC 4511, X.690): enough to read requests and write answers.

``decode`` reads one element into a ``Node`` (its tag and either its bytes or its
children); ``tlv`` and friends write elements. Lengths are checked against the
bytes there are: a malformed message raises ``BERError``, never anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UNIVERSAL, APPLICATION, CONTEXT = 0x00, 0x40, 0x80
CONSTRUCTED = 0x20
MAX_DEPTH = 64  # nesting deeper than any real filter


class BERError(ValueError):
    """Bytes that are not a well-formed BER element."""


@dataclass(slots=True)
class Node:
    cls: int  # UNIVERSAL, APPLICATION or CONTEXT
    constructed: bool
    number: int
    value: bytes = b""
    children: list[Node] = field(default_factory=list)

    def integer(self) -> int:
        return int.from_bytes(self.value, "big", signed=True) if self.value else 0

    def text(self) -> str:
        return self.value.decode("utf-8", errors="strict")

    def boolean(self) -> bool:
        return self.value != b"\x00"


def element_length(data: bytes | bytearray) -> int | None:
    """The whole length of the first element of ``data``, once its header is in (else None)."""
    if len(data) < 2:
        return None
    first = data[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4:
        raise BERError("unsupported length form")
    if len(data) < 2 + count:
        return None
    return 2 + count + int.from_bytes(data[2 : 2 + count], "big")


def decode(data: bytes) -> Node:
    node, end = _decode(data, 0, len(data), 0)
    if end != len(data):
        raise BERError("trailing bytes after the element")
    return node


def _decode(data: bytes, start: int, stop: int, depth: int) -> tuple[Node, int]:
    if depth > MAX_DEPTH:
        raise BERError("nested too deeply")
    if stop - start < 2:
        raise BERError("truncated element")
    tag = data[start]
    if tag & 0x1F == 0x1F:
        raise BERError("multi-byte tags are not used by LDAP")
    position = start + 1
    first = data[position]
    position += 1
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or position + count > stop:
            raise BERError("bad length")
        length = int.from_bytes(data[position : position + count], "big")
        position += count
    end = position + length
    if end > stop:
        raise BERError("element longer than its container")
    node = Node(tag & 0xC0, bool(tag & CONSTRUCTED), tag & 0x1F)
    if node.constructed:
        while position < end:
            child, position = _decode(data, position, end, depth + 1)
            node.children.append(child)
    else:
        node.value = bytes(data[position:end])
    return node, end


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _length(len(body)) + body


def sequence(*parts: bytes, tag: int = 0x30) -> bytes:
    return tlv(tag, b"".join(parts))


def octets(value: bytes | str, tag: int = 0x04) -> bytes:
    return tlv(tag, value.encode("utf-8") if isinstance(value, str) else value)


def integer(value: int, tag: int = 0x02) -> bytes:
    size = max(1, (value.bit_length() + 8) // 8)
    return tlv(tag, value.to_bytes(size, "big", signed=True))


def enumerated(value: int) -> bytes:
    return integer(value, tag=0x0A)


def boolean(value: bool) -> bytes:
    return tlv(0x01, b"\xff" if value else b"\x00")
