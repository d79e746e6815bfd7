"""``/api/v1/protocols/definitions``: the protocol catalog, keyed by (fqn, version)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import (
    API,
    assert_error,
    assert_not_found,
    assert_validation_error,
    check_create_at_both_paths,
    check_list_contract,
    check_paging,
    in_list_order,
    missing_id,
    names,
    total,
)
from tests.builders import Builders

URL = f"{API}/protocols/definitions"
FQN = "lab_protocols.dilution.serial_dilution"


def definition_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "serial_dilution",
        "fqn": FQN,
        "version": "1.2.0",
        "parameters": [{"name": "volume_ul", "type_hint": "float", "optional": False}],
        **overrides,
    }


# -- create ------------------------------------------------------------------------------------------


async def test_create_returns_the_stored_definition(client: httpx.AsyncClient, repos: Builders) -> None:
    response = await client.post(
        URL,
        json=definition_body(
            description="Two-fold dilution along a row.",
            module_name="lab_protocols.dilution",
            function_name="serial_dilution",
            required_assets=[{"name": "lh", "type_hint": "pylabrobot.liquid_handling.LiquidHandler"}],
        ),
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["fqn"], body["version"], body["is_inferred"]) == (
        "serial_dilution",
        FQN,
        "1.2.0",
        False,
    )
    assert body["parameters"] == [{"name": "volume_ul", "type_hint": "float", "optional": False}]
    assert [a["name"] for a in body["required_assets"]] == ["lh"]
    stored = await repos.protocol_definition.get(body["accession_id"])
    assert (stored.fqn, stored.version, stored.module_name) == (FQN, "1.2.0", "lab_protocols.dilution")


async def test_create_fills_in_the_default_version(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"name": "mix", "fqn": "lab.mix"})

    assert response.status_code == 201
    assert (
        response.json()["version"],
        response.json()["parameters"],
        response.json()["required_assets"],
    ) == (
        "0.1.0",
        [],
        [],
    )


async def test_create_answers_with_and_without_trailing_slash(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    await check_create_at_both_paths(
        client, "protocols/definitions", (definition_body(version="1.0"), definition_body(version="2.0"))
    )

    assert await repos.protocol_definition.count() == 2


async def test_create_with_a_taken_fqn_and_version_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.protocol_definition.create(fqn=FQN, version="1.2.0")

    response = await client.post(URL, json=definition_body(name="another name"))

    body = assert_error(response, 409, "conflict", entity="protocol_definition")
    assert body["field"] == "fqn, version"
    assert await repos.protocol_definition.count() == 1


async def test_create_a_new_version_or_a_shared_name_is_fine(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    await repos.protocol_definition.create(name="serial_dilution", fqn=FQN, version="1.2.0")

    new_version = await client.post(URL, json=definition_body(version="1.3.0"))
    same_name = await client.post(URL, json=definition_body(fqn="other_lab.serial_dilution"))

    assert (new_version.status_code, same_name.status_code) == (201, 201)
    assert await repos.protocol_definition.count(name="serial_dilution") == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fqn": FQN}, "name"),
        ({"name": "p"}, "fqn"),
        (definition_body(name="x" * 256), "name"),
        (definition_body(version="9" * 65), "version"),
        (definition_body(version=2), "version"),
        (definition_body(parameters=["volume_ul"]), "parameters.0"),
        (definition_body(parameters={"volume_ul": "float"}), "parameters"),
        (definition_body(parameters=[{"type_hint": "float"}]), "parameters"),
        (definition_body(parameters=[{"name": "v"}, {"name": "v"}]), "parameters"),
        (definition_body(required_assets=[{"name": ""}]), "required_assets"),
        (definition_body(is_inferred=True), "is_inferred"),
        (definition_body(author="me"), "author"),
    ],
    ids=[
        "missing-name",
        "missing-fqn",
        "name-over-255",
        "version-over-64",
        "version-wrong-type",
        "parameter-not-object",
        "parameters-not-list",
        "parameter-without-name",
        "parameter-named-twice",
        "asset-with-empty-name",
        "set-by-discovery-only",
        "unknown-field",
    ],
)
async def test_create_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    assert_validation_error(await client.post(URL, json=body), field)
    assert await repos.protocol_definition.count() == 0


# -- get ---------------------------------------------------------------------------------------------


async def test_get_returns_the_definition(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create(version="3.0.0")

    response = await client.get(f"{URL}/{definition.accession_id}")

    assert response.status_code == 200
    body = response.json()
    assert (body["fqn"], body["version"], body["parameters"]) == (
        definition.fqn,
        "3.0.0",
        definition.parameters,
    )


async def test_get_unknown_is_404(client: httpx.AsyncClient) -> None:
    assert_not_found(await client.get(f"{URL}/{missing_id()}"), entity="protocol_definition")


# -- list --------------------------------------------------------------------------------------------


async def test_list_filters_by_fqn_version_and_name(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.protocol_definition.create(name="Serial dilution", fqn=FQN, version="1.0.0")
    await repos.protocol_definition.create(name="Serial dilution", fqn=FQN, version="2.0.0")
    await repos.protocol_definition.create(name="plate wash", fqn="lab.wash", version="1.0.0")

    by_fqn = await client.get(URL, params={"fqn": FQN, "order_by": "-version"})
    by_version = await client.get(URL, params={"version": "1.0.0", "order_by": "name"})
    by_name = await client.get(URL, params={"name": "DILUTION"})
    one = await client.get(URL, params={"fqn": FQN, "version": "2.0.0"})

    assert [d["version"] for d in by_fqn.json()] == ["2.0.0", "1.0.0"]
    assert total(by_fqn) == 2
    assert names(by_version) == ["Serial dilution", "plate wash"]
    assert total(by_name) == 2
    assert [(d["fqn"], d["version"]) for d in one.json()] == [(FQN, "2.0.0")]
    assert names(await client.get(URL, params={"fqn": "serial_dilution"})) == []  # fqn matches exactly


async def test_list_pages_and_orders(client: httpx.AsyncClient, repos: Builders) -> None:
    definitions = await repos.protocol_definition.create_batch(5)

    await check_paging(client, "protocols/definitions", in_list_order(definitions))
    by_fqn = await client.get(URL, params={"order_by": "fqn"})
    assert [d["fqn"] for d in by_fqn.json()] == sorted(d.fqn for d in definitions)
    await check_list_contract(client, "protocols/definitions")


# -- update ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_update_changes_only_the_fields_sent(
    client: httpx.AsyncClient, repos: Builders, method: str
) -> None:
    definition = await repos.protocol_definition.create(version="1.0.0")
    parameters = definition.parameters

    response = await client.request(
        method, f"{URL}/{definition.accession_id}", json={"description": "Now with a better description."}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["description"], body["fqn"], body["version"], body["parameters"]) == (
        "Now with a better description.",
        definition.fqn,
        "1.0.0",
        parameters,
    )
    assert (await repos.protocol_definition.get(definition.accession_id)).description == body["description"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fqn": "lab.renamed"}, "fqn"),
        ({"version": "9.9.9"}, "version"),
        ({"name": None}, "name"),
        ({"parameters": None}, "parameters"),
        ({"parameters": [{"optional": True}]}, "parameters"),
        ({"name": "x" * 256}, "name"),
    ],
    ids=[
        "fqn-is-identity",
        "version-is-identity",
        "null-name",
        "null-parameters",
        "parameter-without-name",
        "name-over-255",
    ],
)
async def test_update_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    definition = await repos.protocol_definition.create(version="1.0.0")
    definition_id, fqn, name = definition.accession_id, definition.fqn, definition.name

    assert_validation_error(await client.patch(f"{URL}/{definition_id}", json=body), field)
    stored = await repos.protocol_definition.get(definition_id)
    assert (stored.fqn, stored.version, stored.name) == (fqn, "1.0.0", name)


async def test_update_unknown_is_404(client: httpx.AsyncClient) -> None:
    assert_not_found(
        await client.patch(f"{URL}/{missing_id()}", json={"name": "x"}), entity="protocol_definition"
    )


# -- delete ------------------------------------------------------------------------------------------


async def test_delete_is_204_then_404(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create()

    assert (await client.delete(f"{URL}/{definition.accession_id}")).status_code == 204

    assert await repos.protocol_definition.get_or_none(definition.accession_id) is None
    assert_not_found(await client.get(f"{URL}/{definition.accession_id}"), entity="protocol_definition")
    assert_not_found(await client.delete(f"{URL}/{definition.accession_id}"), entity="protocol_definition")


async def test_delete_of_a_definition_with_runs_is_409_and_keeps_it(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create()

    response = await client.delete(f"{URL}/{run.protocol_definition_id}")

    assert_error(response, 409, "conflict", entity="protocol_definition", field="runs")
    assert await repos.protocol_definition.exists(accession_id=run.protocol_definition_id)
    assert await repos.protocol_run.exists(accession_id=run.accession_id)
