"""Start and seed the demo upstream servers: a SCIM 2.0 HR system and a WebDAV store.

The embedded demo and the test session run the real servers Townhall talks to,
as child processes listening on 127.0.0.1 only:

* ``scim2-server`` (in memory) serving the council's HR records, with the
  council's own schema extension, seeded through ``/Bulk``;
* ``wsgidav`` serving a working copy of the document tree over WebDAV with
  basic auth, its dead properties (author, tags, ...) seeded with ``PROPPATCH``
  and kept in a shelve file so that they survive a restart.

This package imports nothing of Townhall (not the gateway). Every server object has
``url``, ``pid``, ``stop()`` (synchronous) and ``restart()`` (async, same port).
"""

from .process import RunningServer, SeedError, UpstreamStartError, free_port, log_tail
from .scim import ScimServer, start_scim_server
from .webdav import (
    DOCUMENT_PROPERTY_NAMES,
    WebDavServer,
    WebDavUser,
    proppatch_body,
    start_webdav_server,
)

__all__ = [
    "DOCUMENT_PROPERTY_NAMES",
    "RunningServer",
    "ScimServer",
    "SeedError",
    "UpstreamStartError",
    "WebDavServer",
    "WebDavUser",
    "free_port",
    "log_tail",
    "proppatch_body",
    "start_scim_server",
    "start_webdav_server",
]
