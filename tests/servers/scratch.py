"""A throwaway OU in a real directory, for tests that add entries: made empty, and deleted
with everything in it afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import ldap3


@contextlib.contextmanager
def scratch_ou(conn: ldap3.Connection, parent: str, label: str = "Test") -> Iterator[str]:
    """An empty OU named ``<label> <random>`` under ``parent`` (``conn`` may add there);
    afterwards its entries, deepest first, and the OU are deleted and ``conn`` unbound."""
    ou = f"OU={label} {uuid.uuid4().hex[:8]},{parent}"
    assert conn.add(ou, ["top", "organizationalUnit"]), conn.result
    try:
        yield ou
    finally:
        conn.search(ou, "(objectClass=*)", ldap3.SUBTREE, attributes=[])
        for dn in sorted((e["dn"] for e in conn.response), key=len, reverse=True):
            conn.delete(dn)
        conn.unbind()
