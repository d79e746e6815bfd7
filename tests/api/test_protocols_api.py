"""``/api/v1/protocols/definitions``: the protocol catalog, keyed by (fqn, version).

The contract every collection shares (trailing slashes, paging, ordering by fqn and version, partial
updates, a taken (fqn, version), 404s, deletes refused while runs exist) is checked for protocol
definitions too, in ``tests/api/common/``; here is what only they do.
"""

from __future__ import annotations

import httpx

from tests.api.bodies import PROTOCOL_FQN, definition_body
from tests.api.helpers import API, assert_validation_error, names, total
from tests.builders import Builders

URL = f"{API}/protocols/definitions"


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
        PROTOCOL_FQN,
        "1.2.0",
        False,
    )
    assert body["parameters"] == [{"name": "volume_ul", "type_hint": "float", "optional": False}]
    assert [a["name"] for a in body["required_assets"]] == ["lh"]
    stored = await repos.protocol_definition.get(body["accession_id"])
    assert (stored.fqn, stored.version, stored.module_name) == (
        PROTOCOL_FQN,
        "1.2.0",
        "lab_protocols.dilution",
    )


async def test_create_a_new_version_or_a_shared_name_is_fine(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    await repos.protocol_definition.create(name="serial_dilution", fqn=PROTOCOL_FQN, version="1.2.0")

    new_version = await client.post(URL, json=definition_body(version="1.3.0"))
    same_name = await client.post(URL, json=definition_body(fqn="other_lab.serial_dilution"))

    assert (new_version.status_code, same_name.status_code) == (201, 201)
    assert await repos.protocol_definition.count(name="serial_dilution") == 3


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


# -- list --------------------------------------------------------------------------------------------


async def test_list_filters_by_fqn_version_and_name(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.protocol_definition.create(name="Serial dilution", fqn=PROTOCOL_FQN, version="1.0.0")
    await repos.protocol_definition.create(name="Serial dilution", fqn=PROTOCOL_FQN, version="2.0.0")
    await repos.protocol_definition.create(name="plate wash", fqn="lab.wash", version="1.0.0")

    by_fqn = await client.get(URL, params={"fqn": PROTOCOL_FQN, "order_by": "-version"})
    by_version = await client.get(URL, params={"version": "1.0.0", "order_by": "name"})
    by_name = await client.get(URL, params={"name": "DILUTION"})
    one = await client.get(URL, params={"fqn": PROTOCOL_FQN, "version": "2.0.0"})

    assert [d["version"] for d in by_fqn.json()] == ["2.0.0", "1.0.0"]
    assert total(by_fqn) == 2
    assert names(by_version) == ["Serial dilution", "plate wash"]
    assert total(by_name) == 2
    assert [(d["fqn"], d["version"]) for d in one.json()] == [(PROTOCOL_FQN, "2.0.0")]
    assert names(await client.get(URL, params={"fqn": "serial_dilution"})) == []  # fqn matches exactly


# == where protocols come from =======================================================================


async def test_a_definition_records_its_source(client: httpx.AsyncClient) -> None:
    commit = "3f786850e387550fdab836ed7e6dc881de23001b"
    body = definition_body(
        source_kind="git",
        source_repository_url="https://github.com/lab/protocols.git",
        source_ref="main",
        commit_hash=commit,
    )

    created = await client.post(f"{API}/protocols/definitions", json=body)
    listed = await client.get(f"{API}/protocols/definitions", params={"commit_hash": commit})

    assert created.status_code == 201, created.text
    assert (created.json()["source_kind"], created.json()["commit_hash"]) == ("git", commit)
    assert [d["commit_hash"] for d in listed.json()] == [commit]


async def test_a_commit_hash_is_40_or_64_hex_digits(client: httpx.AsyncClient) -> None:
    for bad in ("abc123", "G" * 40, "a" * 41):
        response = await client.post(f"{API}/protocols/definitions", json=definition_body(commit_hash=bad))
        assert_validation_error(response, "commit_hash")
