"""The document connector: the council's document store over WebDAV (RFC 4918)."""

from .access import FolderAccess
from .connector import DocumentConnector
from .errors import (
    DocumentError,
    DocumentNotFound,
    DocumentRejected,
    DocumentTimeout,
    DocumentUnavailable,
)
from .records import DocumentRecord

__all__ = [
    "DocumentConnector",
    "DocumentError",
    "DocumentNotFound",
    "DocumentRecord",
    "DocumentRejected",
    "DocumentTimeout",
    "DocumentUnavailable",
    "FolderAccess",
]
