"""What a web page in a lab member's browser cannot make the server do: reach it under another host
name (DNS rebinding), change anything with a form or another "simple" cross-site request, or read its
answers from another origin (CORS stays off unless origins are configured)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.api.access import host_allowed, host_name
from praxis.backend.models.orm import RunStatus
from praxis.backend.settings import Settings
from tests.api.helpers import assert_error
from tests.builders import Builders
from tests.harness.session import app_client


@pytest.mark.parametrize("host", ["attacker.example", "127.0.0.1.attacker.example", "localhost.", ""])
async def test_a_host_not_allowed_gets_400(client: httpx.AsyncClient, host: str) -> None:
    response = await client.get("/api/v1/workcells", headers={"Host": host})

    assert_error(response, 400, "host_not_allowed", field="Host")


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000"])
async def test_loopback_names_are_allowed_by_default(client: httpx.AsyncClient, host: str) -> None:
    assert (await client.get("/api/v1/workcells", headers={"Host": host})).status_code == 200


def test_allowed_host_patterns() -> None:
    assert host_allowed(host_name("Reader-PC.Lab.Example:8000"), ["*.lab.example"])
    assert not host_allowed(host_name("lab.example.attacker.example"), ["*.lab.example"])
    assert host_allowed(host_name("anything"), ["*"])
    assert host_name("[::1]:8000") == "::1" and host_name("::1") == "::1"


async def test_a_configured_host_is_allowed(db_session: AsyncSession) -> None:
    async with app_client(db_session, Settings(allowed_hosts=["praxis.lab.example"])) as http:
        allowed = await http.get("/api/v1/workcells", headers={"Host": "praxis.lab.example"})
        refused = await http.get("/api/v1/workcells", headers={"Host": "localhost"})

    assert allowed.status_code == 200
    assert_error(refused, 400, "host_not_allowed")


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", None],
)
async def test_a_cross_site_form_post_changes_nothing(
    db_session: AsyncSession, repos: Builders, content_type: str | None
) -> None:
    """The probe's form post to /cancel, on an open server (loopback, no token): a browser sends no
    Authorization header and, without a preflight, no JSON content type."""
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    headers = {"Content-Type": content_type} if content_type else {}
    async with app_client(db_session, Settings(open_without_tokens=True), scopes=None) as browser:
        response = await browser.post(f"/api/v1/protocols/runs/{run.accession_id}/cancel", headers=headers)

    assert_error(response, 415, "unsupported_media_type", field="Content-Type")
    assert (await repos.protocol_run.get(run.accession_id)).status == RunStatus.RUNNING


async def test_json_or_an_authorization_header_passes(db_session: AsyncSession, repos: Builders) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    cancel = f"/api/v1/protocols/runs/{run.accession_id}/cancel"
    async with app_client(db_session, Settings(open_without_tokens=True), scopes=None) as local:
        as_json = await local.post(cancel, headers={"Content-Type": "application/json"})
    async with app_client(db_session) as with_token:
        deleted = await with_token.delete(f"/api/v1/workcells/{(await repos.workcell.create()).accession_id}")

    assert as_json.status_code == 200 and as_json.json()["status"] == "cancelled"
    assert deleted.status_code == 204  # a DELETE without a body: its Authorization header suffices


async def test_cors_is_off_unless_origins_are_configured(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    origin = {"Origin": "https://lims.lab.example"}
    preflight = {**origin, "Access-Control-Request-Method": "POST"}
    off = await client.get("/api/v1/workcells", headers=origin)
    off_preflight = await client.options("/api/v1/workcells", headers=preflight)
    async with app_client(db_session, Settings(cors_origins=["https://lims.lab.example"])) as http:
        on = await http.get("/api/v1/workcells", headers=origin)
        on_preflight = await http.options("/api/v1/workcells", headers=preflight)
        elsewhere = await http.get("/api/v1/workcells", headers={"Origin": "https://attacker.example"})

    assert "access-control-allow-origin" not in off.headers
    assert "access-control-allow-origin" not in off_preflight.headers
    assert on.headers["access-control-allow-origin"] == "https://lims.lab.example"
    assert (
        on_preflight.status_code == 200
        and "Authorization" in on_preflight.headers["access-control-allow-headers"]
    )
    assert "access-control-allow-origin" not in elsewhere.headers
