"""The OpenAPI document says exactly what the server does: where ``null`` is allowed, what a list
can be ordered by, which errors each operation gives, how a created entity is reached; and the
methods each path serves (no ``/{id}`` taking a sub-collection's name, HEAD wherever GET is).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from praxis.backend.api.app import create_app
from praxis.backend.api.routers.collections import COLLECTIONS as ROUTED
from praxis.backend.api.routers.collections import Collection
from praxis.backend.models.schemas.common import UpdateSchema
from tests.api.collection_spec import CollectionSpec
from tests.api.collection_specs import COLLECTIONS
from tests.api.helpers import API, assert_error

DOCUMENT: dict[str, Any] = create_app().openapi()
UPDATES = [(c.path, c.update) for c in ROUTED if issubclass(c.update, UpdateSchema)]


def admits_null(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(admits_null(s) for s in schema.get("anyOf", []))


@pytest.mark.parametrize(("path", "update"), UPDATES, ids=[path for path, _ in UPDATES])
def test_an_update_schema_admits_null_exactly_where_the_server_does(
    path: str, update: type[UpdateSchema]
) -> None:
    properties = DOCUMENT["components"]["schemas"][update.__name__]["properties"]

    assert {name for name, schema in properties.items() if admits_null(schema)} == set(update.nullable)


@pytest.mark.parametrize("routed", ROUTED, ids=[routed.path for routed in ROUTED])
def test_order_by_is_the_enum_of_what_the_collection_sorts_by(routed: Collection) -> None:
    path, service = routed.path, routed.service
    parameters = DOCUMENT["paths"][f"{API}{path}"]["get"]["parameters"]
    order_by = next(p for p in parameters if p["name"] == "order_by")["schema"]

    assert set(order_by["enum"]) == set(service.orderable) | {f"-{field}" for field in service.orderable}


def resolved(schema: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref", "")
    return DOCUMENT["components"]["schemas"][reference.rsplit("/", 1)[-1]] if reference else schema


@pytest.mark.parametrize("routed", ROUTED, ids=[routed.path for routed in ROUTED])
def test_a_create_documents_the_optional_id_a_client_may_choose(routed: Collection) -> None:
    create = DOCUMENT["paths"][f"{API}{routed.path}"]["post"]
    body = resolved(create["requestBody"]["content"]["application/json"]["schema"])
    chosen = body["properties"]["accession_id"]

    assert "accession_id" not in body.get("required", [])
    assert {"type": "string", "format": "uuid"} in chosen["anyOf"]
    assert "409" in chosen["description"] and "409" in create["responses"]


OPERATIONS = [
    (path, method, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if isinstance(operation, dict) and "operationId" in operation
]


@pytest.mark.parametrize("routed", ROUTED, ids=[routed.path for routed in ROUTED])
def test_a_create_links_to_every_operation_on_what_it_created(routed: Collection) -> None:
    links = DOCUMENT["paths"][f"{API}{routed.path}"]["post"]["responses"]["201"]["links"]
    item = f"{API}{routed.path}/{{id}}"
    on_the_created = {
        operation["operationId"]
        for path, _, operation in OPERATIONS
        if (path == item or path.startswith(item + "/")) and "{" not in path[len(item) :]
    }

    assert {link["operationId"] for link in links.values()} == on_the_created
    assert {str(link["parameters"]) for link in links.values()} == {"{'id': '$response.body#/accession_id'}"}


@pytest.mark.parametrize(
    ("path", "method"),
    [(path, method) for path, method, _ in OPERATIONS if "{" in path],
    ids=[f"{method.upper()} {path}" for path, method, _ in OPERATIONS if "{" in path],
)
def test_every_operation_on_an_entity_is_reached_by_a_link_that_supplies_its_path(
    path: str, method: str
) -> None:
    """A client (or a stateful fuzzer) that creates things can reach every operation that takes one."""
    operation = DOCUMENT["paths"][path][method]
    needed = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
    supplied = [
        set(link["parameters"])
        for _, _, source in OPERATIONS
        for response in source["responses"].values()
        for link in response.get("links", {}).values()
        if link["operationId"] == operation["operationId"]
    ]

    assert needed in supplied


def test_operation_ids_are_unique_and_name_what_they_do() -> None:
    ids = [operation["operationId"] for _, _, operation in OPERATIONS]

    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", operation_id) for operation_id in ids), ids


def test_every_operation_documents_its_errors() -> None:
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            assert "503" in statuses, (method, path)
            # any request's head can be over the limit: too long a query string, or header fields
            assert {"414", "431"} <= statuses, (method, path)
            if "{id}" in path:
                assert "404" in statuses, (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in statuses, (method, path)
            if method in {"post", "put", "patch"} and operation.get("requestBody"):
                assert "413" in statuses, (method, path)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["decks/types", "resources/definitions"])
async def test_a_sub_collection_is_never_taken_for_an_id(
    client: httpx.AsyncClient, path: str, method: str
) -> None:
    response = await client.request(method, f"{API}/{path}", json={})

    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD, POST, OPTIONS"


@pytest.mark.parametrize("path", ["decks/types", "resources/definitions", "decks", "resources"])
async def test_options_lists_exactly_the_methods_of_the_path(client: httpx.AsyncClient, path: str) -> None:
    response = await client.options(f"{API}/{path}")

    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, POST, OPTIONS"


@pytest.mark.parametrize("spec", COLLECTIONS, ids=str)
async def test_head_answers_wherever_get_does(
    client: httpx.AsyncClient, spec: CollectionSpec, repos: Any
) -> None:
    created = await client.post(spec.url, json=await spec.body(repos))
    item = spec.item(created.json()["accession_id"])

    for url in (spec.url, item, "/health"):
        get, head = await client.get(url), await client.head(url)
        assert head.status_code == get.status_code == 200, url
        assert head.content == b""
        assert head.headers["content-length"] == get.headers["content-length"]
    assert (await client.head(spec.item("00000000-0000-0000-0000-000000000000"))).status_code == 404


@pytest.mark.parametrize("path", ["decks/types/%0A", "workcells%0A", "decks/types/%0a"])
async def test_a_path_ending_in_a_newline_names_no_route(client: httpx.AsyncClient, path: str) -> None:
    assert_error(await client.get(f"{API}/{path}"), 404, "not_found")
