"""Every operation of the OpenAPI document, generated from it (no hand list): no token is refused with
401, a token with every scope but the operation's is refused with 403, and a token with only that
scope gets past the check (whatever the operation then answers: an id that names nothing is a 404,
not an access error). The document's scope of each operation is what the server enforces."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from praxis.backend.api.access import SCHEME
from praxis.backend.api.app import create_app
from praxis.backend.models.orm import ALL_SCOPES
from tests.api.helpers import assert_error
from tests.harness.auth import ClientWith

DOCUMENT = create_app().openapi()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
]
SECURED = [(method, path, operation) for method, path, operation in OPERATIONS if "security" in operation]
ACCESS_CODES = {"unauthenticated", "missing_scope"}


def scope_of(operation: dict[str, Any]) -> str:
    [requirement] = operation["security"]
    [scope] = requirement[SCHEME]
    return str(scope)


def concrete(path: str) -> str:
    """The path with a new id in each ``{parameter}``."""
    return "/".join(str(uuid.uuid4()) if part.startswith("{") else part for part in path.split("/"))


async def send(http: httpx.AsyncClient, method: str, path: str) -> httpx.Response:
    """The request as an API client sends it: writes with a JSON body (empty) and content type."""
    if method == "GET":
        return await http.get(concrete(path))
    return await http.request(method, concrete(path), json={})


def access_code(response: httpx.Response) -> str | None:
    is_json = response.headers.get("content-type", "").startswith("application/json")
    body = response.json() if is_json and response.content else None  # an event stream is text
    return body.get("code") if isinstance(body, dict) else None


def test_every_api_operation_needs_a_token_and_names_its_scope() -> None:
    api = [(method, path) for method, path, _ in OPERATIONS if path.startswith("/api/")]
    assert api and {(method, path) for method, path, _ in SECURED} == set(api)
    assert {scope_of(operation) for *_, operation in SECURED} == set(ALL_SCOPES)
    assert all({"401", "403"} <= set(operation["responses"]) for *_, operation in SECURED)
    assert DOCUMENT["components"]["securitySchemes"][SCHEME] | {"description": ""} == {
        "type": "http",
        "scheme": "bearer",
        "description": "",
    }


@pytest.mark.parametrize(
    ("method", "path", "operation"), SECURED, ids=[f"{method} {path}" for method, path, _ in SECURED]
)
async def test_an_operation_admits_exactly_its_scope(
    method: str,
    path: str,
    operation: dict[str, Any],
    anonymous_client: httpx.AsyncClient,
    client_with: ClientWith,
) -> None:
    scope = scope_of(operation)
    without = await client_with(scopes=[other for other in ALL_SCOPES if other != scope])
    only = await client_with(scopes=[scope])

    anonymous = await send(anonymous_client, method, path)
    refused = await send(without, method, path)
    admitted = await send(only, method, path)

    assert_error(anonymous, 401, "unauthenticated")
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(refused, 403, "missing_scope", field="scopes")
    assert scope in refused.json()["detail"]
    assert admitted.status_code < 500, admitted.text
    assert access_code(admitted) not in ACCESS_CODES


def test_the_open_operations_are_health_and_the_documents() -> None:
    assert {path for _, path, operation in OPERATIONS if "security" not in operation} == {"/health"}
