"""Tokens as a request meets them: the bearer header, a revoked token, the open loopback server, and
the cost of the check (one indexed read)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.errors import InvalidValueError
from praxis.backend.repositories import Repositories
from praxis.backend.services.api_token import ApiTokenService, hash_secret
from praxis.backend.settings import Settings
from tests.api.helpers import assert_error
from tests.builders import Builders
from tests.harness.auth import bearer
from tests.harness.session import app_client

WORKCELLS = "/api/v1/workcells"


async def test_a_token_is_stored_as_its_hash_and_returned_with_its_secret_once(
    repositories: Repositories,
) -> None:
    token = await ApiTokenService(repositories).issue("ci", ["run", "read", "run"])

    assert token.secret is not None and token.secret_hash == hash_secret(token.secret)
    assert token.scopes == ["read", "run"] and token.prefix == token.secret[: len(token.prefix)]
    stored = await repositories.api_token.get(token.accession_id)
    assert stored.secret_hash != token.secret and token.secret not in stored.prefix


@pytest.mark.parametrize("scopes", [[], ["root"], ["read,sudo"]])
async def test_scopes_must_be_known_and_at_least_one(repositories: Repositories, scopes: list[str]) -> None:
    with pytest.raises(InvalidValueError) as refused:
        await ApiTokenService(repositories).issue("x", scopes)

    assert refused.value.field == "scopes"
    assert await repositories.api_token.count() == 0


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "prx_no_scheme", "Bearer prx_unknown"]
)
async def test_a_malformed_or_unknown_token_is_401(
    anonymous_client: httpx.AsyncClient, repos: Builders, header: str
) -> None:
    await repos.api_token.create()

    response = await anonymous_client.get(WORKCELLS, headers={"Authorization": header})

    assert_error(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="praxis"'


async def test_a_revoked_token_is_refused_from_the_next_request_on(
    anonymous_client: httpx.AsyncClient, repos: Builders, repositories: Repositories
) -> None:
    token = await repos.api_token.create(scopes=["read"])
    assert (await anonymous_client.get(WORKCELLS, headers=bearer(token))).status_code == 200

    await ApiTokenService(repositories).revoke(token.name)

    assert_error(await anonymous_client.get(WORKCELLS, headers=bearer(token)), 401, "unauthenticated")


async def test_an_open_server_lets_requests_in_only_while_no_token_exists(
    db_session: AsyncSession, repos: Builders
) -> None:
    async with app_client(db_session, Settings(open_without_tokens=True), scopes=None) as anonymous:
        assert (await anonymous.post(WORKCELLS, json={"name": "bay-1"})).status_code == 201

        token = await repos.api_token.create(scopes=["read"])

        assert_error(await anonymous.get(WORKCELLS), 401, "unauthenticated")
        assert (await anonymous.get(WORKCELLS, headers=bearer(token))).status_code == 200
        assert_error(
            await anonymous.get(WORKCELLS, headers={"Authorization": "Bearer nope"}), 401, "unauthenticated"
        )


async def test_a_closed_server_refuses_requests_without_a_token_even_when_none_exists(
    anonymous_client: httpx.AsyncClient, repos: Builders
) -> None:
    assert await repos.api_token.count() == 0

    assert_error(await anonymous_client.get(WORKCELLS), 401, "unauthenticated")
    assert (await anonymous_client.get("/health")).status_code == 200  # health needs no token


async def test_checking_a_token_is_one_indexed_read(
    client: httpx.AsyncClient, repos: Builders, count_queries: Any
) -> None:
    workcell = await repos.workcell.create()

    with count_queries() as queries:
        response = await client.get(f"{WORKCELLS}/{workcell.accession_id}")

    assert response.status_code == 200
    selects = [statement for statement in queries.statements if statement.lstrip().startswith("SELECT")]
    assert len(selects) == 2  # the token (by the unique index on its hash), then the workcell
    assert "FROM api_token" in selects[0] and "api_token.secret_hash = " in selects[0]
