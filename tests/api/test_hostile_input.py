"""Hostile input answered well: JSON nested to any depth, booleans posing as numbers and numbers as
booleans, times out of range, values the database would refuse in its own words. Every one is a
201, a 409 or a 422 naming the field, with Praxis's words in the body, never SQL, driver or Python text.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from praxis.backend.models.orm import RunStatus
from praxis.backend.models.schemas.fields import MAX_JSON_DEPTH
from tests.api.collection_specs import OUTPUTS, RESOURCE_DEFINITIONS, WORKCELLS
from tests.api.helpers import API, assert_error, assert_rule_violation, assert_validation_error
from tests.builders import Builders

#: words that only an internal error would put in a body
LEAKS = ("Key (", "query argument", "datetime.datetime", "invalid input syntax", "asyncpg", "sqlalchemy")


def nested(depth: int) -> dict[str, Any]:
    """A JSON object ``depth`` levels deep (itself level 1), alternating objects and arrays."""
    value: Any = "leaf"
    for level in range(depth - 1):
        value = {"k": value} if level % 2 else [value]
    return {"k": value}


def nested_text(depth: int) -> str:
    """``json.dumps(nested(depth))``, built as text: encoding it would hit the recursion limit."""
    opening = ["[" if level % 2 == 0 else '{"k":' for level in range(depth - 1)]
    closing = ["]" if level % 2 == 0 else "}" for level in range(depth - 1)]
    return '{"k":' + "".join(reversed(opening)) + '"leaf"' + "".join(closing) + "}"


def depth_of(value: Any) -> int:
    return (
        1 + max((depth_of(v) for v in value.values()), default=0)
        if isinstance(value, dict)
        else (1 + max((depth_of(v) for v in value), default=0) if isinstance(value, list) else 0)
    )


def assert_no_leak(response: httpx.Response) -> None:
    assert not any(leak in response.text for leak in LEAKS), response.text


async def post_raw(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], field: str, depth: int
) -> httpx.Response:
    """``body`` with ``field`` nested ``depth`` levels deep, sent as text."""
    text = json.dumps({**body, field: "__nested__"}).replace('"__nested__"', nested_text(depth))
    return await client.post(url, content=text, headers={"content-type": "application/json"})


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 260, 900, 1_000, 20_000])
@pytest.mark.parametrize(
    ("spec", "field"),
    [(WORKCELLS, "latest_state"), (RESOURCE_DEFINITIONS, "properties"), (OUTPUTS, "json_value")],
    ids=["workcell-latest-state", "definition-properties", "output-json-value"],
)
async def test_json_nested_to_any_depth_is_201_or_a_422_naming_the_field(
    client: httpx.AsyncClient, repos: Builders, spec: Any, field: str, depth: int
) -> None:
    """Within the limit it is stored and read back whole; beyond it, a 422 names the field (the
    body's own parser gives up first past a few hundred levels: a 422 on the body)."""
    body = await spec.body(repos)
    if field == "json_value":
        body = {**{k: v for k, v in body.items() if k != "numeric_value"}, "data_type": "json"}

    response = await post_raw(client, spec.url, body, field, depth)

    assert_no_leak(response)
    if depth <= MAX_JSON_DEPTH:
        assert response.status_code == 201, response.text
        assert depth_of(response.json()[field]) == depth
        assert depth_of((await client.get(spec.item(response.json()["accession_id"]))).json()[field]) == depth
    else:
        assert response.status_code == 422, response.text
        assert response.json()["field"] in {field, "body"}
        assert await spec.of(repos).count() == 0


async def test_the_nesting_limit_names_the_field_and_the_limit(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/workcells", json={"name": "bay", "latest_state": nested(40)})

    body = assert_validation_error(response, "latest_state")
    assert str(MAX_JSON_DEPTH) in body["detail"]


async def test_nested_json_in_an_update_and_a_call_is_refused_alike(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    workcell = await repos.workcell.create()
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)

    update = await client.patch(
        f"{API}/workcells/{workcell.accession_id}", json={"latest_state": nested(300)}
    )
    call = await post_raw(
        client,
        f"{API}/protocols/runs/{run.accession_id}/calls",
        {"function_name": "mix"},
        "arguments",
        300,
    )

    assert_validation_error(update, "latest_state")
    assert_validation_error(call, "arguments")


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("resources/definitions", {"fqn": "x.Plate", "nominal_volume_ul": False}, "nominal_volume_ul"),
        ("resources/definitions", {"fqn": "x.Plate", "is_consumable": 1}, "is_consumable"),
        ("resources/definitions", {"fqn": "x.Plate", "size_x_mm": "12.5"}, "size_x_mm"),
        ("workcells", {"allows_concurrent_runs": 0}, "allows_concurrent_runs"),
        ("workcells", {"allows_concurrent_runs": "true"}, "allows_concurrent_runs"),
    ],
    ids=["false-as-volume", "one-as-boolean", "string-as-size", "zero-as-boolean", "string-as-boolean"],
)
async def test_booleans_numbers_and_strings_are_not_converted_into_each_other(
    client: httpx.AsyncClient, repos: Builders, url: str, body: dict[str, Any], field: str
) -> None:
    assert_validation_error(await client.post(f"{API}/{url}", json={"name": "n", **body}), field)
    assert await repos.workcell.count() == 0
    assert await repos.resource_definition.count() == 0


async def test_a_json_number_too_large_for_json_is_422(client: httpx.AsyncClient, repos: Builders) -> None:
    """``1e400`` parses as infinity, which JSON (and the database's JSON type) cannot hold."""
    response = await client.post(f"{API}/workcells", json={"name": "bay", "latest_state": {}})
    assert response.status_code == 201
    raw = b'{"name": "bay-2", "latest_state": {"big": 1e400}}'

    refused = await client.post(f"{API}/workcells", content=raw, headers={"content-type": "application/json"})

    assert_validation_error(refused, "latest_state")
    assert_no_leak(refused)
    assert await repos.workcell.count() == 1


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
async def test_a_time_outside_the_storable_years_is_a_409_in_plain_words(
    client: httpx.AsyncClient, repos: Builders, when: str
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)

    response = await client.post(
        f"{API}/protocols/runs/{run.accession_id}/calls", json={"function_name": "mix", "started_at": when}
    )

    assert_rule_violation(response, "started_at")
    assert_no_leak(response)


@pytest.mark.parametrize("when", ["0", "1700000000", "2024-05-01", "yesterday"])
async def test_a_time_must_be_an_rfc_3339_date_time(
    client: httpx.AsyncClient, repos: Builders, when: str
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)

    response = await client.post(
        f"{API}/protocols/runs/{run.accession_id}/calls", json={"function_name": "mix", "started_at": when}
    )

    assert_validation_error(response, "started_at")


async def test_a_taken_name_is_a_409_without_the_database_s_detail(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    await repos.workcell.create(name="bay")

    response = await client.post(f"{API}/workcells", json={"name": "bay"})

    body = assert_error(response, 409, "conflict", entity="workcell", field="name")
    assert body["detail"] == "a workcell with name 'bay' already exists"
    assert_no_leak(response)


@pytest.mark.parametrize("name", [" \u00a0bay\u3000", "\tbay\n"])
async def test_a_name_is_stored_without_its_blank_ends(client: httpx.AsyncClient, name: str) -> None:
    response = await client.post(f"{API}/workcells", json={"name": name})

    assert response.status_code == 201, response.text
    assert response.json()["name"] == "bay"


async def test_a_name_is_measured_as_sent(client: httpx.AsyncClient, repos: Builders) -> None:
    """The document's maxLength is of the text sent: blanks around a name count, as they do there."""
    assert_validation_error(await client.post(f"{API}/workcells", json={"name": "bay" + " " * 253}), "name")
    assert await repos.workcell.count() == 0
