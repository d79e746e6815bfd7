"""Creating a run: named after its protocol, its parameters checked against the protocol's."""

from __future__ import annotations

import httpx

from praxis.backend.models.orm import RunStatus
from tests.api.helpers import (
    assert_error,
)
from tests.api.runs.common import URL, create_run
from tests.builders import Builders


async def test_create_gives_a_pending_run(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create()
    workcell = await repos.workcell.create()

    response = await client.post(
        URL,
        json={
            "protocol_definition_id": str(definition.accession_id),
            "workcell_id": str(workcell.accession_id),
            "name": "dilution for plate 7",
            "input_parameters": {"volume_ul": 25.0, "mix": True},
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["name"], body["version"]) == ("pending", "dilution for plate 7", 1)
    assert (body["protocol_definition_id"], body["workcell_id"]) == (
        str(definition.accession_id),
        str(workcell.accession_id),
    )
    assert body["input_parameters"] == {"volume_ul": 25.0, "mix": True}
    assert (body["output_data"], body["function_calls"], body["error_message"]) == ({}, [], None)
    assert (body["started_at"], body["completed_at"]) == (None, None)
    stored = await repos.protocol_run.get(body["accession_id"])
    assert (stored.status, stored.input_parameters) == (RunStatus.PENDING, {"volume_ul": 25.0, "mix": True})


async def test_create_names_the_run_after_its_protocol(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create()

    body = await create_run(client, definition.accession_id)

    assert body["name"] == definition.name
    assert body["workcell_id"] is None


async def test_runs_of_one_name_may_repeat(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create()

    await create_run(client, definition.accession_id, name="nightly")
    await create_run(client, definition.accession_id, name="nightly")

    assert await repos.protocol_run.count(name="nightly") == 2


async def test_create_without_a_required_parameter_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create()  # volume_ul required, mix optional, lh an asset

    response = await client.post(
        URL, json={"protocol_definition_id": str(definition.accession_id), "input_parameters": {"mix": True}}
    )

    body = assert_error(
        response, 409, "invalid_value", entity="protocol_run", field="input_parameters.volume_ul"
    )
    assert "volume_ul" in body["detail"]
    assert await repos.protocol_run.count() == 0


async def test_create_with_an_unknown_parameter_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create()

    response = await client.post(
        URL,
        json={
            "protocol_definition_id": str(definition.accession_id),
            "input_parameters": {"volume_ul": 10, "speed": "fast"},
        },
    )

    body = assert_error(response, 409, "invalid_value", entity="protocol_run", field="input_parameters.speed")
    assert "speed" in body["detail"]
    assert await repos.protocol_run.count() == 0


async def test_create_accepts_optional_and_asset_parameters_left_out(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    definition = await repos.protocol_definition.create()

    minimal = await create_run(client, definition.accession_id, input_parameters={"volume_ul": 5})
    with_asset = await create_run(
        client, definition.accession_id, input_parameters={"volume_ul": 5, "lh": "STAR"}
    )

    assert minimal["input_parameters"] == {"volume_ul": 5}
    assert with_asset["input_parameters"] == {"volume_ul": 5, "lh": "STAR"}


async def test_a_protocol_without_parameters_takes_none(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create(parameters=[], required_assets=[])

    assert (await create_run(client, definition.accession_id, input_parameters={}))["input_parameters"] == {}
    refused = await client.post(
        URL, json={"protocol_definition_id": str(definition.accession_id), "input_parameters": {"x": 1}}
    )
    assert_error(refused, 409, "invalid_value", field="input_parameters.x")
