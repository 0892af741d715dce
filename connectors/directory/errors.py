"""The directory connector's exceptions.

    DirectoryError
    ├── DirectoryUnavailable   the directory cannot be reached (down, refused, TLS failure)
    │   └── DirectoryTimeout   it did not answer in time
    ├── DirectoryRejected      it answered with a refusal (bad credentials, rights, bad request)
    └── DirectoryNotFound      what the request starts from does not exist (a search base)

Messages are safe to log; none of them carries a DN or a filter, and the gateway
never shows them to a client as they are.
"""


class DirectoryError(Exception):
    """Base class for everything the directory connector raises."""

    source = "directory"


class DirectoryUnavailable(DirectoryError):
    """The directory could not be reached."""


class DirectoryTimeout(DirectoryUnavailable):
    """The directory did not answer within the operation timeout."""


class DirectoryRejected(DirectoryError):
    """The directory refused the request (credentials, permissions, malformed request)."""


class DirectoryNotFound(DirectoryError):
    """The object a request starts from (a search base, a group) does not exist."""
