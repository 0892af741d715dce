"""The document connector's exceptions.

    DocumentError
    ├── DocumentUnavailable   the store cannot be reached or answered 5xx
    │   └── DocumentTimeout   it did not answer in time
    ├── DocumentRejected      it refused the request (401/403, bad request)
    └── DocumentNotFound      no such document or folder (404)

Messages name no URL and no credential.
"""


class DocumentError(Exception):
    """Base class for everything the document connector raises."""

    source = "documents"


class DocumentUnavailable(DocumentError):
    """The document store could not be reached, or failed."""


class DocumentTimeout(DocumentUnavailable):
    """The document store did not answer in time."""


class DocumentRejected(DocumentError):
    """The document store refused the request."""


class DocumentNotFound(DocumentError):
    """The document or folder does not exist."""
