"""What the directory server offers, found out once and kept: the root DSE's controls
and capabilities, and whether it answers LDAP_MATCHING_RULE_IN_CHAIN.

The in-chain rule is probed, not assumed from a capability: a server that does not
know a matching rule treats the filter as Undefined and answers "no entries", which
looks like "in no group". So the probe takes one group with a member and asks,
scoped to that group, for ``(member:<in-chain>:=<that member>)``: the rule matches
direct membership too, so a server that answers it returns the group; one that does
not returns nothing. With no group holding a member to probe with, AD's capability
OID (LDAP_CAP_ACTIVE_DIRECTORY_OID) decides. These functions block: they run in a
pool thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from ldap3 import BASE, SUBTREE, Connection
from ldap3.utils.conv import escape_filter_chars

IN_CHAIN = "1.2.840.113556.1.4.1941"
SERVER_SORT = "1.2.840.113556.1.4.473"
VIRTUAL_LIST_VIEW = "2.16.840.1.113730.3.4.9"
ACTIVE_DIRECTORY = "1.2.840.113556.1.4.800"


@dataclass(frozen=True, slots=True)
class DirectoryCapabilities:
    """What the server answers. ``in_chain``: LDAP_MATCHING_RULE_IN_CHAIN (probed);
    ``server_sort`` and ``virtual_list_view``: the controls, from ``supportedControl``;
    ``active_directory``: the server says it is AD (or Samba acting as one)."""

    in_chain: bool = False
    server_sort: bool = False
    virtual_list_view: bool = False
    active_directory: bool = False


def detect(
    connection: Connection, group_base: str, group_filter: str, member: str
) -> DirectoryCapabilities:
    """Read the root DSE, then probe the in-chain rule (at most three small searches)."""
    wanted = ["supportedControl", "supportedCapabilities"]
    connection.search("", "(objectClass=*)", BASE, attributes=wanted)
    root: dict[str, object] = {}
    for entry in connection.response or []:
        if entry.get("type") == "searchResEntry":
            root = entry.get("attributes") or {}
    controls = set(_texts(root.get("supportedControl")))
    capabilities = set(_texts(root.get("supportedCapabilities")))
    active_directory = ACTIVE_DIRECTORY in capabilities
    in_chain = _probe_in_chain(connection, group_base, group_filter, member)
    return DirectoryCapabilities(
        in_chain=active_directory if in_chain is None else in_chain,
        server_sort=SERVER_SORT in controls,
        virtual_list_view=VIRTUAL_LIST_VIEW in controls,
        active_directory=active_directory,
    )


def _probe_in_chain(
    connection: Connection, group_base: str, group_filter: str, member: str
) -> bool | None:
    """True/False as the server answered; None when there was nothing to probe with."""
    connection.search(
        group_base,
        f"(&{group_filter}({member}=*))",
        SUBTREE,
        attributes=[f"{member};range=0-0"],
        size_limit=1,
    )
    group = next((e for e in connection.response or [] if e.get("type") == "searchResEntry"), None)
    if group is None:
        return None
    values = [v for name, v in (group.get("raw_attributes") or {}).items()
              if name.split(";", 1)[0].casefold() == member.casefold()]  # fmt: skip
    first = values[0][0] if values and values[0] else None
    if first is None:
        return None
    held = first.decode("utf-8", "replace") if isinstance(first, bytes) else str(first)
    query = f"(&{group_filter}({member}:{IN_CHAIN}:={escape_filter_chars(held)}))"
    connection.search(group["dn"], query, BASE, attributes=["1.1"])
    if (connection.result or {}).get("result") not in (0, None):
        return False  # refused outright (an unknown rule, as some servers say)
    return any(e.get("type") == "searchResEntry" for e in connection.response or [])


def _texts(value: object) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [i.decode("ascii", "replace") if isinstance(i, bytes) else str(i) for i in items]
