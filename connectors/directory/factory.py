"""Opens the directory: a pool of TLS connections to a DC, or the embedded sample directory.

The embedded directory is ldap3's in-memory ``MOCK_SYNC`` strategy loaded from
an LDIF file. It runs the very same connector code as a real DC; only what the
server computes differs (it has no ``memberOf``/``directReports``, no extensible
matching rules, no ANR and no change counter), so it always runs the portable
paths, whatever features are configured for a real DC.
"""

from __future__ import annotations

import math
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ldap3 import MOCK_SYNC, NONE, OFFLINE_AD_2012_R2, SYNC, Connection, Server, Tls
from ldif import LDIFParser

from .connector import DirectoryConnector
from .errors import DirectoryRejected
from .pool import ConnectionPool
from .records import AttributeMap, DirectoryFeatures

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
    )


def open_embedded(ldif_file: Path, base_dn: str) -> DirectoryConnector:
    """A connector over an in-memory directory loaded from ``ldif_file``."""
    server = Server("townhall-embedded", get_info=OFFLINE_AD_2012_R2)
    bind_dn = f"{EMBEDDED_BIND_DN},{base_dn}"
    loader = Connection(server, user=bind_dn, password=EMBEDDED_PASSWORD, client_strategy=MOCK_SYNC)
    loader.strategy.add_entry(
        bind_dn, {"objectClass": ["top", "person"], "userPassword": EMBEDDED_PASSWORD}
    )
    with ldif_file.open("rb") as stream:
        for dn, entry in LDIFParser(stream).parse():
            attributes = {name: _binary(name, values) for name, values in entry.items()}
            attributes.setdefault("distinguishedName", [dn])
            loader.strategy.add_entry(dn, attributes)

    def connect() -> Connection:
        connection = Connection(
            server,
            user=bind_dn,
            password=EMBEDDED_PASSWORD,
            client_strategy=MOCK_SYNC,
            raise_exceptions=False,
        )
        connection.bind()
        return connection

    # One connection: the mock strategy is not safe to share between threads.
    return DirectoryConnector(ConnectionPool(connect, 1), base_dn=base_dn)


_BINARY = frozenset({"objectguid", "objectsid", "thumbnailphoto", "jpegphoto"})


def _binary(name: str, values: list[Any]) -> list[Any]:
    """The LDIF parser returns base64 values as text when they happen to be valid UTF-8."""
    if name.lower() not in _BINARY:
        return values
    return [v.encode("utf-8") if isinstance(v, str) else v for v in values]
