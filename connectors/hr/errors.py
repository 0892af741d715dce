"""The HR connector's exceptions.

    HRError
    ├── HRUnavailable        the HR system cannot be reached, answered 5xx/429, or the
    │   │                    extract cannot be read        (reason "unavailable")
    │   ├── HRTimeout        it did not answer in time      (reason "timeout")
    │   └── HRCircuitOpen    it failed repeatedly and is being left alone for a while
    │                                                       (reason "circuit_open")
    ├── HRRejected           it refused the request: 401/403, 400 invalidFilter, tooMany
    │                        (``status`` and ``scim_type`` say which; reason "rejected")
    └── HRNotFound           the record asked for no longer exists (reason "not_found")

Every error has ``source = "hr"`` and a ``reason`` the gateway may show a client.
Messages name no URL, no person and no credential.
"""


class HRError(Exception):
    """Base class for everything the HR connector raises."""

    source = "hr"
    reason = "unavailable"


class HRUnavailable(HRError):
    """The HR system could not be reached, or failed."""


class HRTimeout(HRUnavailable):
    """The HR system did not answer in time."""

    reason = "timeout"


class HRCircuitOpen(HRUnavailable):
    """The HR system failed repeatedly; no request was sent."""

    reason = "circuit_open"


class HRRejected(HRError):
    """The HR system refused the request."""

    reason = "rejected"

    def __init__(self, message: str, *, status: int, scim_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.scim_type = scim_type


class HRNotFound(HRError):
    """The HR record asked for is gone (deleted, or the HR system re-keyed it)."""

    reason = "not_found"
