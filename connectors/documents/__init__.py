"""The document connector: the council's document store over WebDAV (RFC 4918),
or a local folder (a mounted file share), with a change feed and a search index."""

from .access import FolderAccess, ReadersFrom
from .changes import ChangeFeed, Checkpoint
from .connector import DocumentConnector, RetryPolicy, safe_path
from .errors import (
    DocumentCircuitOpen,
    DocumentError,
    DocumentIndexError,
    DocumentNotFound,
    DocumentRejected,
    DocumentTimeout,
    DocumentUnavailable,
)
from .fileshare import FolderConnector
from .records import ANYONE, DocumentChange, DocumentRecord, Download
from .search import DocumentIndex
from .source import DocumentSource
from .text import extract_text, is_plain_text

__all__ = [
    "ANYONE",
    "ChangeFeed",
    "Checkpoint",
    "DocumentChange",
    "DocumentCircuitOpen",
    "DocumentConnector",
    "DocumentError",
    "DocumentIndex",
    "DocumentIndexError",
    "DocumentNotFound",
    "DocumentRecord",
    "DocumentRejected",
    "DocumentSource",
    "DocumentTimeout",
    "DocumentUnavailable",
    "Download",
    "FolderAccess",
    "FolderConnector",
    "ReadersFrom",
    "RetryPolicy",
    "extract_text",
    "is_plain_text",
    "safe_path",
]
