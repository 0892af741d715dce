"""Session fixtures for the whole suite.

The upstream servers are real (Samba AD DC, scim2-server, wsgidav), started
once per session and only when a test asks for them. Their logic lives in
``tests/servers``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from servers import Council, fixtures_dir, start_test_scim, start_test_webdav
from servers.postgres import PostgresServer
from servers.samba import SambaDC
from servers.slapd import Slapd

from connectors.social import SocialStore
from townhall_demo.upstreams import ScimServer, WebDavServer


@pytest.fixture(scope="session")
def council() -> Council:
    """The council fixture data (directory LDIF, HR users, documents)."""
    data = Council(fixtures_dir())
    data.check()
    return data


@pytest.fixture(scope="session")
def samba(tmp_path_factory: pytest.TempPathFactory, council: Council) -> Iterator[SambaDC]:
    """A Samba AD DC loaded with directory.ldif, on 127.0.0.1:389/636."""
    dc = SambaDC(tmp_path_factory.mktemp("samba"), council.ldif)
    dc.start()
    yield dc
    dc.stop()


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory, council: Council) -> Iterator[Slapd]:
    """OpenLDAP slapd holding an OpenLDAP-style conversion of directory.ldif, on a free port."""
    server = Slapd(tmp_path_factory.mktemp("slapd"), council.ldif)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def scim_server(
    tmp_path_factory: pytest.TempPathFactory, council: Council
) -> AsyncIterator[ScimServer]:
    """scim2-server seeded with hr/users.json (bearer token ``servers.SCIM_TOKEN``)."""
    server = await start_test_scim(council, tmp_path_factory.mktemp("scim"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def webdav_server(
    tmp_path_factory: pytest.TempPathFactory, council: Council
) -> AsyncIterator[WebDavServer]:
    """wsgidav over a copy of documents/, dead properties seeded from documents.json.

    Users: ``servers.WEBDAV_USER`` (everything) and ``servers.WEBDAV_READER``
    (read-only, one department folder).
    """
    server = await start_test_webdav(council, tmp_path_factory.mktemp("webdav"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """PostgreSQL on a free loopback port; ``create_database()`` gives each test its own."""
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
async def social_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty social database: the social suite runs once on each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/social.db"
    server: PostgresServer = request.getfixturevalue("postgres")
    return await server.create_database()


@pytest.fixture
async def store(social_url: str) -> AsyncIterator[SocialStore]:
    """A migrated social store on each backend, closed afterwards."""
    social = SocialStore.open(social_url)
    await social.migrate()
    yield social
    await social.close()
