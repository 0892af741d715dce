"""The HR connector: staff records from the HR system over SCIM 2.0 (RFC 7643/7644),
or from the HR system's CSV extract, behind one interface (:class:`HRSource`)."""

from .auth import BearerToken, ClientCredentials
from .connector import HRConnector
from .csv_extract import CsvColumns, CsvHRExtract, CsvProblem
from .errors import (
    HRCircuitOpen,
    HRError,
    HRNotFound,
    HRRejected,
    HRTimeout,
    HRUnavailable,
)
from .records import FIELDS, HRField, HRRecord, ScimPaths
from .source import HRChanges, HRCheckpoint, HRSource, without_match
from .watch import HRChangeWatcher

__all__ = [
    "FIELDS",
    "BearerToken",
    "ClientCredentials",
    "CsvColumns",
    "CsvHRExtract",
    "CsvProblem",
    "HRChangeWatcher",
    "HRChanges",
    "HRCheckpoint",
    "HRCircuitOpen",
    "HRConnector",
    "HRError",
    "HRField",
    "HRNotFound",
    "HRRecord",
    "HRRejected",
    "HRSource",
    "HRTimeout",
    "HRUnavailable",
    "ScimPaths",
    "without_match",
]
