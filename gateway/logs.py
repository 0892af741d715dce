"""How Townhall logs: one format, INFO and up, quiet libraries.

The CLI sets it up for every command; ``gateway.asgi.build`` sets it up again in
each worker process that ``townhall serve --workers N`` starts (they do not inherit
the parent's handlers), unless the process already has a logging configuration.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(*, only_if_unset: bool = False) -> None:
    root = logging.getLogger()
    if only_if_unset and root.handlers:
        return
    logging.basicConfig(level=logging.INFO, format=FORMAT)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every request URL at INFO: SCIM filters carry names and employee numbers.
    logging.getLogger("httpx").setLevel(logging.WARNING)
