"""Typed records the directory connector returns, and the attribute map behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class DirectoryPerson(BaseModel):
    """A person's directory account, as the directory holds it."""

    model_config = ConfigDict(frozen=True)

    guid: str
    dn: str
    account_name: str | None = None
    upn: str | None = None
    display_name: str
    given_name: str | None = None
    surname: str | None = None
    mail: str | None = None
    title: str | None = None
    department: str | None = None
    office: str | None = None
    locality: str | None = None
    telephone: str | None = None
    mobile: str | None = None
    employee_id: str | None = None
    manager_dn: str | None = None
    enabled: bool = True
    expires_at: datetime | None = None
    changed_at: datetime | None = None

    def is_leaver(self, now: datetime) -> bool:
        """A disabled or expired account: kept for history, hidden from search."""
        return not self.enabled or (self.expires_at is not None and self.expires_at <= now)


class DirectoryGroup(BaseModel):
    """A directory group."""

    model_config = ConfigDict(frozen=True)

    guid: str
    dn: str
    name: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class AttributeMap:
    """Names of the directory attributes Townhall reads.

    The defaults are Active Directory's. An OpenLDAP-style directory maps
    ``guid`` to ``entryUUID``, ``account_name`` to ``uid``, ``photo`` to
    ``jpegPhoto`` and so on.
    """

    guid: str = "objectGUID"
    guid_is_binary: bool = True
    account_name: str = "sAMAccountName"
    upn: str = "userPrincipalName"
    display_name: str = "displayName"
    given_name: str = "givenName"
    surname: str = "sn"
    common_name: str = "cn"
    mail: str = "mail"
    title: str = "title"
    department: str = "department"
    office: str = "physicalDeliveryOfficeName"
    locality: str = "l"
    telephone: str = "telephoneNumber"
    mobile: str = "mobile"
    employee_id: str = "employeeID"
    manager: str = "manager"
    account_control: str = "userAccountControl"
    account_expires: str = "accountExpires"
    photo: str = "thumbnailPhoto"
    changed: str = "whenChanged"
    dn_attribute: str = "distinguishedName"
    member: str = "member"
    group_name: str = "cn"
    description: str = "description"
    person_filter: str = "(&(objectClass=user)(!(objectClass=computer)))"
    group_filter: str = "(objectClass=group)"

    def person_attributes(self) -> list[str]:
        return [
            self.guid,
            self.account_name,
            self.upn,
            self.display_name,
            self.given_name,
            self.surname,
            self.common_name,
            self.mail,
            self.title,
            self.department,
            self.office,
            self.locality,
            self.telephone,
            self.mobile,
            self.employee_id,
            self.manager,
            self.account_control,
            self.account_expires,
            self.changed,
        ]

    def group_attributes(self) -> list[str]:
        return [self.guid, self.group_name, self.description]
