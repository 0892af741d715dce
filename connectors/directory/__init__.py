"""The directory connector: Active Directory (or another LDAP directory) through ldap3."""

from .connector import DirectoryConnector, GroupLookupField, LookupField
from .entries import normalise_dn
from .errors import (
    DirectoryError,
    DirectoryNotFound,
    DirectoryRejected,
    DirectoryTimeout,
    DirectoryUnavailable,
)
from .factory import LdapOptions, open_embedded, open_ldap
from .matching import search_key
from .records import (
    AttributeMap,
    DirectoryChanges,
    DirectoryFeatures,
    DirectoryGroup,
    DirectoryPerson,
    PeopleRule,
)
from .where import PeopleWhere

__all__ = [
    "AttributeMap",
    "DirectoryChanges",
    "DirectoryConnector",
    "DirectoryError",
    "DirectoryFeatures",
    "DirectoryGroup",
    "DirectoryNotFound",
    "DirectoryPerson",
    "DirectoryRejected",
    "DirectoryTimeout",
    "DirectoryUnavailable",
    "GroupLookupField",
    "LdapOptions",
    "LookupField",
    "PeopleRule",
    "PeopleWhere",
    "normalise_dn",
    "open_embedded",
    "open_ldap",
    "search_key",
]
