"""Connectors: one package per upstream system, plus Townhall's own social store.

Connectors know LDAP, SCIM, WebDAV and SQL; they import nothing else of Townhall's
and never GraphQL. Each returns typed records and raises its own exception tree.
"""
