"""The HR connector's exceptions.

    HRError
    ├── HRUnavailable   the HR system cannot be reached or answered 5xx
    │   └── HRTimeout   it did not answer in time
    └── HRRejected      it refused the request (401/403, 400 invalidFilter, tooMany)

Messages name no URL and no credential.
"""


class HRError(Exception):
    """Base class for everything the HR connector raises."""

    source = "hr"


class HRUnavailable(HRError):
    """The HR system could not be reached, or failed."""


class HRTimeout(HRUnavailable):
    """The HR system did not answer in time."""


class HRRejected(HRError):
    """The HR system refused the request."""

    def __init__(self, message: str, *, status: int, scim_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.scim_type = scim_type
