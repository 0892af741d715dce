"""The HR connector: the HR system's staff records over SCIM 2.0 (RFC 7643/7644)."""

from .connector import HRConnector, HRField
from .errors import HRError, HRRejected, HRTimeout, HRUnavailable
from .records import HRRecord, ScimPaths

__all__ = [
    "HRConnector",
    "HRError",
    "HRField",
    "HRRecord",
    "HRRejected",
    "HRTimeout",
    "HRUnavailable",
    "ScimPaths",
]
