"""The run pages on a server that needs tokens: nobody reads a run without one, a browser signs in
once (``/login`` keeps the token in an HttpOnly, SameSite=Strict cookie that the pages' scripts and
event streams then carry), and the page offers pause, resume, cancel and queueing only to a token that
may run."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.api.access import SIGN_IN_COOKIE
from praxis.backend.models.orm import RunStatus
from tests.api.helpers import assert_error
from tests.builders import Builders
from tests.harness.auth import ClientWith
from tests.harness.session import app_client


async def sign_in(http: httpx.AsyncClient, secret: str) -> httpx.Response:
    return await http.post("/login", json={"token": secret})


async def test_a_page_without_a_token_sends_the_browser_to_sign_in_and_shows_nothing(
    anonymous_client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create(name="secret-assay")

    for path in ("/runs", f"/runs/{run.accession_id}", f"/runs/{run.accession_id}/outputs"):
        response = await anonymous_client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"
        assert "secret-assay" not in response.text
    assert (await anonymous_client.get("/login")).status_code == 200


async def test_signing_in_sets_an_httponly_strict_cookie_that_pages_and_the_api_accept(
    anonymous_client: httpx.AsyncClient, repos: Builders
) -> None:
    token = await repos.api_token.create(name="bench-reader", scopes=["read"])
    run = await repos.protocol_run.create(name="plate-assay")
    assert token.secret is not None

    response = await sign_in(anonymous_client, token.secret)

    assert response.status_code == 200
    assert response.json() == {"name": "bench-reader", "scopes": ["read"]}
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SIGN_IN_COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = await anonymous_client.get(f"/runs/{run.accession_id}")
    assert page.status_code == 200 and "plate-assay" in page.text and "bench-reader" in page.text
    api = await anonymous_client.get(f"/api/v1/protocols/runs/{run.accession_id}")
    assert api.status_code == 200 and api.json()["name"] == "plate-assay"

    signed_out = await anonymous_client.post("/logout", json={})
    assert signed_out.status_code == 204
    assert (await anonymous_client.get("/runs")).status_code == 303


async def test_a_wrong_token_is_refused_and_sets_no_cookie(anonymous_client: httpx.AsyncClient) -> None:
    response = await sign_in(anonymous_client, "not-a-token")

    assert_error(response, 401, "unauthenticated")
    assert "set-cookie" not in response.headers


async def test_controls_and_the_queue_form_only_for_a_token_that_may_run(
    client_with: ClientWith, repos: Builders
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    reader = await client_with(scopes=["read"])
    runner = await client_with(scopes=["read", "run"])

    for http, shown in ((reader, False), (runner, True)):
        run_page = (await http.get(f"/runs/{run.accession_id}")).text
        runs_page = (await http.get("/runs")).text
        assert ('data-action="cancel"' in run_page) is shown
        assert ('class="queue"' in runs_page) is shown
    refused = await reader.post(f"/api/v1/protocols/runs/{run.accession_id}/cancel", json={})
    assert_error(refused, 403, "missing_scope", field="scopes")


async def test_a_write_carried_by_the_cookie_must_still_be_json(
    db_session: AsyncSession, repos: Builders
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    token = await repos.api_token.create(scopes=["read", "run"])
    assert token.secret is not None
    async with app_client(db_session, scopes=None) as browser:
        await sign_in(browser, token.secret)
        form = await browser.post(
            f"/api/v1/protocols/runs/{run.accession_id}/cancel",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert_error(form, 415, "unsupported_media_type", field="Content-Type")
        assert (await repos.protocol_run.get(run.accession_id)).status is RunStatus.RUNNING
        as_json = await browser.post(f"/api/v1/protocols/runs/{run.accession_id}/cancel", json={})
    assert as_json.status_code == 200
