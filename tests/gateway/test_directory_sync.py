"""The directory change feed drops changed people from the cache (real Samba AD DC)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ldap3 import MODIFY_REPLACE, Connection, Server
from servers import Council
from servers.samba import SambaDC

from .conftest import base_settings, serve

pytestmark = pytest.mark.samba

QUERY = '{ people(search: "priya shah") { nodes { accountName title manager { accountName } } } }'


async def test_a_mover_shows_before_the_cache_would_expire(
    council: Council, samba: SambaDC, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    settings = base_settings(
        council,
        scim_server,
        webdav_server,
        tmp_path,
        **samba.directory_settings(sync_interval=3600),
    )
    settings.cache.directory_ttl = 3600
    settings.cache.search_ttl = 3600
    priya = next(p for p in council.people if p["sAMAccountName"] == "priya.shah")
    async with serve(settings) as gateway:
        sync = gateway.app_state.directory_sync
        await sync.poll()  # the first round takes the checkpoint
        before = await gateway.query(QUERY)
        [node] = before["data"]["people"]["nodes"]
        assert node["title"] == "Principal Planning Officer"

        admin = Connection(
            Server(samba.ldap_url), user=samba.admin_user, password=samba.admin_password
        )
        admin.open()
        admin.start_tls()
        admin.bind()
        dn = f"CN=Priya Shah,OU=Planning,OU=Staff,OU=Northshire,{samba.base_dn}"
        try:
            assert admin.modify(dn, {"title": [(MODIFY_REPLACE, ["Planning Policy Lead"])]}), (
                admin.result
            )
            cached = await gateway.query(QUERY)
            assert cached["data"]["people"]["nodes"][0]["title"] == "Principal Planning Officer"
            assert await sync.poll() >= 1
            after = await gateway.query(QUERY)
            assert after["data"]["people"]["nodes"][0] == {**node, "title": "Planning Policy Lead"}
        finally:
            admin.modify(dn, {"title": [(MODIFY_REPLACE, ["Principal Planning Officer"])]})
            admin.unbind()
    assert priya["title"] == "Principal Planning Officer"
