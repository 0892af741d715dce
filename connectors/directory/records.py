"""Typed records the directory connector returns, and the attribute maps behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .matching import fold_dn


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


class DirectoryChanges(BaseModel):
    """What changed in the directory since a checkpoint.

    ``people`` holds the current record of every person added or changed
    (a leaver shows up with ``enabled`` false or an expiry in the past);
    ``removed`` the GUIDs of people deleted, where the directory lets the
    service account see deletions. ``checkpoint`` is opaque: store it and pass
    it to the next call. ``full`` is true when the old checkpoint could not be
    honoured (another DC answered, or the checkpoint was unreadable) and
    ``people`` is therefore everyone.
    """

    model_config = ConfigDict(frozen=True)

    people: list[DirectoryPerson]
    removed: list[str] = []
    checkpoint: str
    full: bool = False


@dataclass(frozen=True, slots=True)
class AttributeMap:
    """Names of the directory attributes Townhall reads.

    The defaults are Active Directory's; :meth:`openldap` gives the names of an
    OpenLDAP-style directory (``inetOrgPerson`` and ``groupOfNames``). An empty
    name means the directory has no such attribute and the field stays empty.
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
    direct_reports: str = "directReports"
    account_control: str = "userAccountControl"
    account_expires: str = "accountExpires"
    expiry_format: Literal["filetime", "days"] = "filetime"
    photo: str = "thumbnailPhoto"
    changed: str = "whenChanged"
    change_counter: str = "uSNChanged"
    dn_attribute: str = "distinguishedName"
    member: str = "member"
    member_of: str = "memberOf"
    group_name: str = "cn"
    description: str = "description"
    person_filter: str = "(&(objectClass=user)(!(objectClass=computer)))"
    group_filter: str = "(objectClass=group)"

    @classmethod
    def openldap(cls) -> AttributeMap:
        """Names for an OpenLDAP-style directory.

        Identity is ``entryUUID``, the account name ``uid``, the employee
        number ``employeeNumber``, the department ``departmentNumber``, the
        photo ``jpegPhoto`` and the change time ``modifyTimestamp``. There is
        no account-control bit; an account expires through ``shadowExpire``
        (days since 1970), as posix/shadow accounts hold it.
        """
        return cls(
            guid="entryUUID",
            guid_is_binary=False,
            account_name="uid",
            upn="mail",
            employee_id="employeeNumber",
            department="departmentNumber",
            direct_reports="",
            member_of="",
            account_control="",
            account_expires="shadowExpire",
            expiry_format="days",
            photo="jpegPhoto",
            changed="modifyTimestamp",
            change_counter="",
            dn_attribute="entryDN",
            person_filter="(objectClass=inetOrgPerson)",
            group_filter="(objectClass=groupOfNames)",
        )

    @classmethod
    def named(cls, schema: Literal["ad", "openldap"]) -> AttributeMap:
        """The built-in map called ``schema``."""
        return cls.openldap() if schema == "openldap" else cls()

    def person_attributes(self) -> list[str]:
        names = [
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
        # Never the photo: its bytes (2 to 10 KB a person in AD) would come with every person
        # read. Who has one is asked by a presence filter that sends no values (.photos).
        return list(dict.fromkeys(n for n in names if n))

    def group_attributes(self) -> list[str]:
        return [self.guid, self.group_name, self.description]


@dataclass(frozen=True, slots=True)
class PeopleRule:
    """Which accounts are people: those the person filter matches, and also this extra
    LDAP filter (``filter``, e.g. ``(employeeID=*)``), and not under any of the OUs
    ``excluded_ous`` (service accounts, shared mailboxes, rooms). Applied to people
    listings and searches; lookups by key still find any account (a sign-in, an audit
    row's subject)."""

    filter: str = ""
    excluded_ous: tuple[str, ...] = ()

    def excludes(self, dn: str) -> bool:
        if not self.excluded_ous:
            return False
        folded = fold_dn(dn)
        return any(folded.endswith("," + fold_dn(ou)) for ou in self.excluded_ous)


@dataclass(frozen=True, slots=True)
class DirectoryFeatures:
    """Which server-side shortcuts to use. The defaults work on any LDAP directory.

    ``reports_via="direct_reports"`` reads the ``directReports`` attribute AD
    computes instead of searching ``(manager=…)``; ``nested_groups="in_chain"``
    asks AD for nested membership with LDAP_MATCHING_RULE_IN_CHAIN (one search
    per person or group), ``"walk"`` walks the group graph by ``member=`` searches
    level by level, and ``"auto"`` reads a person's groups through ``memberOf``
    level by level where the map has it, else in-chain where the server answers
    it (see :mod:`.groups`);
    ``anr`` searches names with AD's Ambiguous Name Resolution. ``range_step``
    reads big multi-valued attributes in fixed windows (``member;range=0-999``)
    rather than in the slices the server chooses. ``change_tracking`` picks
    ``uSNChanged``, the DirSync control (which needs the "Replicating
    Directory Changes" right) or, for directories with neither, the change
    timestamp (``modifyTimestamp``) for ``changes_since``.
    """

    reports_via: Literal["manager_search", "direct_reports"] = "manager_search"
    nested_groups: Literal["auto", "walk", "in_chain"] = "auto"
    anr: bool = False
    range_step: int | None = None
    change_tracking: Literal["usn", "dirsync", "timestamp"] = "usn"
