"""The app's typed state (``gateway.state.AppState``): the routes outside GraphQL read the
connectors from it per request, so before the lifespan has opened them a signed photo,
document or unsubscribe link answers 503 ("starting"), never 500, and an export link is
refused as invalid. (Served with the lifespan, the same routes are tested end to end in
test_e2e.py, test_documents_e2e.py, test_digests.py and test_data_protection.py.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import fields

import httpx
import pytest

from gateway.app import create_app
from gateway.digests.unsubscribe import UnsubscribeSigner
from gateway.downloads import DownloadSigner
from gateway.photos import PhotoSigner
from gateway.settings import Settings
from gateway.state import AppState

GUID = "0f6c6d7e-3c1d-4f1a-9d59-2a8c1b7e4d10"


@pytest.fixture
def settings() -> Settings:
    # A fixed signing key: the links made here are the ones the app accepts.
    return Settings(
        environment="test",
        server={"url_signing_key": "k" * 43, "public_url": "http://townhall.test"},
    )


@pytest.fixture
async def unopened(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app without its lifespan run: nothing is open yet."""
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://townhall.test") as client:
        yield client


def test_the_state_is_typed_and_starts_without_connectors() -> None:
    names = [f.name for f in fields(AppState)]
    assert names == ["settings", "authenticator", "policy", "upstreams", "subject_access"]
    defaults = {f.name: f.default for f in fields(AppState) if f.name in names[3:]}
    assert defaults == {"upstreams": None, "subject_access": None}


async def test_a_signed_photo_link_answers_503_before_start_up(
    settings: Settings, unopened: httpx.AsyncClient
) -> None:
    response = await unopened.get(PhotoSigner.from_settings(settings).url(GUID))
    assert (response.status_code, response.text) == (503, "Townhall is starting.")
    # The signature is still checked first: a forged link is refused as such.
    forged = await unopened.get(f"/photos/{GUID}?expires=9999999999&sig=forged")
    assert forged.status_code == 403


async def test_a_signed_document_link_answers_503_before_start_up(
    settings: Settings, unopened: httpx.AsyncClient
) -> None:
    link = DownloadSigner.from_settings(settings).url("alex.morgan", "Finance/budget.xlsx")
    response = await unopened.get(link)
    assert response.status_code == 503
    assert response.text == "Townhall is starting."


async def test_unsubscribe_and_export_links_before_start_up(
    settings: Settings, unopened: httpx.AsyncClient
) -> None:
    token = UnsubscribeSigner.from_settings(settings).token(GUID)
    response = await unopened.post(f"/digests/unsubscribe?token={token}")
    assert response.status_code == 503
    assert "Townhall is starting." in response.text
    export = await unopened.get("/exports/abc?viewer=x&expires=9999999999&sig=s")
    assert export.status_code == 403
