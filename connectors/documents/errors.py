"""The document connector's exceptions.

    DocumentError
    ├── DocumentUnavailable   the store cannot be reached or answered 5xx
    │   ├── DocumentTimeout   it did not answer in time (or the call's deadline passed)
    │   └── DocumentCircuitOpen  it failed repeatedly; not called until the breaker resets
    ├── DocumentRejected      it refused the request (401/403, bad request)
    └── DocumentNotFound      no such document or folder (404)

    DocumentIndexError        Townhall's own search index failed (its database)

Messages name no URL and no credential.
"""


class DocumentError(Exception):
    """Base class for everything the document connector raises."""

    source = "documents"


class DocumentUnavailable(DocumentError):
    """The document store could not be reached, or failed."""


class DocumentTimeout(DocumentUnavailable):
    """The document store did not answer in time."""


class DocumentCircuitOpen(DocumentUnavailable):
    """The document store failed repeatedly; Townhall leaves it alone for a while."""


class DocumentRejected(DocumentError):
    """The document store refused the request."""


class DocumentNotFound(DocumentError):
    """The document or folder does not exist."""


class DocumentIndexError(DocumentError):
    """Townhall's document search index could not be read or written."""
