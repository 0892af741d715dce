"""Opens the directory: a pool of TLS connections to a DC, or the embedded sample directory.

The embedded directory is the sample council's LDIF served by a small LDAP server
on loopback in this process (``embedded``): the very same connector, ldap3 client
and protocol as a DC, with filters evaluated as AD evaluates them. It computes
``memberOf`` and ``directReports`` and answers the in-chain matching rule, so the
AD features can be switched on for it; it has no change counter (it never changes).
"""

from __future__ import annotations

import math
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ldap3 import NONE, SYNC, Connection, Server, Tls

from .connector import DirectoryConnector
from .embedded.server import EmbeddedServer
from .embedded.store import EmbeddedStore
from .errors import DirectoryRejected
from .pool import ConnectionPool
from .records import AttributeMap, DirectoryFeatures, PeopleRule

EMBEDDED_BIND_DN = "CN=Townhall Embedded,CN=Users"
EMBEDDED_PASSWORD = "embedded"


@dataclass(frozen=True, slots=True)
class LdapOptions:
    url: str
    bind_dn: str
    password: str
    base_dn: str
    group_base_dn: str | None = None
    start_tls: bool = False
    allow_plain: bool = False
    ca_file: Path | None = None
    verify_tls: bool = True
    tls_server_name: str | None = None  # the name on the DC's certificate, if not the URL's host
    pool_size: int = 4
    connect_timeout: float = 5.0
    operation_timeout: float = 10.0
    page_size: int = 500
    batch_size: int = 100
    schema: Literal["ad", "openldap"] = "ad"  # which built-in attribute map
    features: DirectoryFeatures = field(default_factory=DirectoryFeatures)
    people_rule: PeopleRule = field(default_factory=PeopleRule)


def open_ldap(options: LdapOptions, attributes: AttributeMap | None = None) -> DirectoryConnector:
    """A connector over a pool of connections to a real directory server.

    ``attributes`` overrides the attribute map named by ``options.schema``.
    """
    secure = options.url.lower().startswith("ldaps://")
    if not secure and not options.start_tls and not options.allow_plain:
        raise DirectoryRejected("plain LDAP is refused: use ldaps://, StartTLS, or allow it")
    tls = None
    if secure or options.start_tls:
        tls = Tls(
            validate=ssl.CERT_REQUIRED if options.verify_tls else ssl.CERT_NONE,
            ca_certs_file=str(options.ca_file) if options.ca_file else None,
            version=ssl.PROTOCOL_TLS_CLIENT if options.verify_tls else None,
            valid_names=[options.tls_server_name] if options.tls_server_name else None,
        )

    def connect() -> Connection:
        # A Server per connection: ldap3 marks an address that failed once as
        # unavailable for minutes, which would keep refusing to reconnect
        # after the DC comes back.
        server = Server(
            options.url,
            use_ssl=secure,
            tls=tls,
            get_info=NONE,
            connect_timeout=options.connect_timeout,
        )
        connection = Connection(
            server,
            user=options.bind_dn,
            password=options.password,
            client_strategy=SYNC,
            auto_bind=False,
            raise_exceptions=False,
            # ldap3 packs this into SO_RCVTIMEO as whole seconds: it must be an int.
            receive_timeout=max(1, math.ceil(options.operation_timeout)),
            check_names=False,
            # The connector follows ranged attributes itself (see search.py);
            # ldap3 raises KeyError on them unless empty attributes are dropped.
            auto_range=False,
            return_empty_attributes=False,
        )
        connection.open()
        if options.start_tls and not secure:
            connection.start_tls()
        connection.bind()
        return connection

    pool = ConnectionPool(connect, options.pool_size)
    return DirectoryConnector(
        pool,
        base_dn=options.base_dn,
        group_base_dn=options.group_base_dn,
        attributes=attributes or AttributeMap.named(options.schema),
        features=options.features,
        page_size=options.page_size,
        batch_size=options.batch_size,
        people_rule=options.people_rule,
    )


def open_embedded(
    ldif_file: Path,
    base_dn: str,
    *,
    features: DirectoryFeatures | None = None,
    people_rule: PeopleRule | None = None,
) -> DirectoryConnector:
    """A connector over the embedded directory: ``ldif_file`` served by a small LDAP
    server on loopback (``embedded``), reached over a real socket by the same
    connector code, client and protocol as a DC."""
    # A DC always holds its naming context's root (the LDIF may start below it).
    domain = ",".join(p for p in base_dn.split(",") if p.strip().upper().startswith("DC="))
    bind_dn = f"{EMBEDDED_BIND_DN},{domain or base_dn}"
    root = {"objectClass": ["top", "domain", "domainDNS"]}
    account = {"objectClass": ["top", "person"], "cn": ["Townhall Embedded"]}
    store = EmbeddedStore.from_ldif(ldif_file, extra=[(domain, root), (bind_dn, account)])
    server = EmbeddedServer(store, bind_dn, EMBEDDED_PASSWORD, base_dn).start()
    try:
        connector = open_ldap(
            LdapOptions(
                url=server.url,
                bind_dn=bind_dn,
                password=EMBEDDED_PASSWORD,
                base_dn=base_dn,
                allow_plain=True,  # loopback, in this process
                features=features or DirectoryFeatures(),
                people_rule=people_rule or PeopleRule(),
            )
        )
    except Exception:
        server.stop()
        raise
    connector.on_close.append(server.stop)
    return connector
