"""Directory changes become activity: the gateway's feed reader against a real OpenLDAP
slapd (its change feed reads modifyTimestamp), into the social store on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import ldap3
import pytest
from servers.slapd import Slapd

from connectors.directory import DirectoryConnector, DirectoryFeatures, open_ldap
from connectors.social import SocialStore
from gateway.background import directory_activity_round


@pytest.fixture
async def directory(slapd: Slapd) -> AsyncIterator[DirectoryConnector]:
    connector = open_ldap(
        slapd.ldap_options(features=DirectoryFeatures(change_tracking="timestamp"))
    )
    yield connector
    await connector.close()


async def test_a_move_in_the_directory_becomes_activity(
    slapd: Slapd, directory: DirectoryConnector, store: SocialStore
) -> None:
    [person] = await directory.people_by("account_name", ["priya.shah"])
    assert person is not None
    assert await directory_activity_round(directory, store) == []  # the baseline
    admin = ldap3.Connection(
        ldap3.Server(slapd.url, get_info=ldap3.NONE), slapd.admin_dn, slapd.admin_password,
        auto_bind=True,
    )  # fmt: skip
    try:
        await asyncio.sleep(1.1)  # the feed's checkpoint is a whole-second timestamp
        modify = {"departmentNumber": [(ldap3.MODIFY_REPLACE, ["Housing"])]}
        assert admin.modify(person.dn, modify), admin.result
        events = await directory_activity_round(directory, store)
        assert events
        [moved] = await store.events_by_id(events)
        assert moved is not None
        assert (moved.actor, moved.verb, moved.target_id) == (person.guid, "moved", "Housing")
        assert await directory_activity_round(directory, store) == []  # nothing new since
    finally:
        restore = {"departmentNumber": [(ldap3.MODIFY_REPLACE, [person.department or "Planning"])]}
        admin.modify(person.dn, restore)
        admin.unbind()
