"""The directory connector: Active Directory (or another LDAP directory) through ldap3."""

from .connector import DirectoryConnector, LookupField, normalise_dn
from .errors import DirectoryError, DirectoryRejected, DirectoryTimeout, DirectoryUnavailable
from .factory import LdapOptions, open_embedded, open_ldap
from .records import AttributeMap, DirectoryGroup, DirectoryPerson

__all__ = [
    "AttributeMap",
    "DirectoryConnector",
    "DirectoryError",
    "DirectoryGroup",
    "DirectoryPerson",
    "DirectoryRejected",
    "DirectoryTimeout",
    "DirectoryUnavailable",
    "LdapOptions",
    "LookupField",
    "normalise_dn",
    "open_embedded",
    "open_ldap",
]
