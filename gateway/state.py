"""The application's state: what the routes outside GraphQL share with the lifespan.

``create_app`` makes one :class:`AppState` from the settings (the settings, the
authenticator, the access policy); the lifespan fills in what opens with the connectors
(the upstreams, the subject-access service). The photo, download, export and unsubscribe
routes read it per request: before the lifespan has opened the connectors, those fields
are None and the routes answer 503.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: these modules import the routes that take the state
    from schema.context import Policy

    from .auth import Authenticator
    from .data_protection import SubjectAccess
    from .loaders import Upstreams
    from .settings import Settings

__all__ = ["AppState"]


@dataclass(slots=True)
class AppState:
    """One app's settings and services, typed (never a dict of names)."""

    settings: Settings
    #: Signs requests in (bearer tokens, the cookie, development sign-in).
    authenticator: Authenticator
    #: The access rules every reader applies (HR joins, folders, signed URLs, limits).
    policy: Policy
    #: The open connectors and the record cache: set by the lifespan, None before.
    upstreams: Upstreams | None = None
    #: Exports and erasure (the ``/exports`` route): set by the lifespan, None before.
    subject_access: SubjectAccess | None = None
