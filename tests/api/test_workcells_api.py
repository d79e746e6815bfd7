"""``/api/v1/workcells``: every route, its successes and each way it refuses a request."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from praxis.backend.models.orm import WorkcellStatus
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

URL = f"{API}/workcells"


# -- create ------------------------------------------------------------------------------------------


async def test_create_returns_the_stored_workcell(client: httpx.AsyncClient, repos: Builders) -> None:
    response = await client.post(
        URL,
        json={
            "name": "bay-1",
            "description": "main bay",
            "status": "maintenance",
            "latest_state": {"door": "closed"},
            "allows_concurrent_runs": True,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "bay-1"
    assert body["description"] == "main bay"
    assert body["status"] == "maintenance"
    assert body["latest_state"] == {"door": "closed"}
    assert body["allows_concurrent_runs"] is True
    assert body["version"] == 1
    assert body["created_at"] and body["updated_at"]
    stored = await repos.workcell.get(body["accession_id"])
    assert (stored.name, stored.status, stored.latest_state) == (
        "bay-1",
        WorkcellStatus.MAINTENANCE,
        {"door": "closed"},
    )


async def test_create_fills_in_defaults(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"name": "bay-2"})

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["latest_state"], body["allows_concurrent_runs"], body["description"]) == (
        "available",
        {},
        False,
        None,
    )


async def test_create_answers_with_and_without_trailing_slash(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    await check_create_at_both_paths(client, "workcells", ({"name": "no-slash"}, {"name": "slash"}))

    assert sorted(w.name for w in await repos.workcell.list()) == ["no-slash", "slash"]


async def test_create_with_a_taken_name_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    existing = await repos.workcell.create(name="bay-1")

    response = await client.post(URL, json={"name": "bay-1"})

    assert_error(response, 409, "conflict", entity="workcell", field="name")
    assert [w.accession_id for w in await repos.workcell.list()] == [existing.accession_id]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": 12}, "name"),
        ({"name": "bay", "allows_concurrent_runs": [1]}, "allows_concurrent_runs"),
        ({"name": "bay", "status": "exploded"}, "status"),
        ({"name": "bay", "latest_state": "not an object"}, "latest_state"),
        ({"name": "bay", "colour": "red"}, "colour"),
    ],
    ids=[
        "missing-name",
        "empty-name",
        "blank-name",
        "name-over-255",
        "name-wrong-type",
        "bool-wrong-type",
        "unknown-status",
        "state-not-object",
        "unknown-field",
    ],
)
async def test_create_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    response = await client.post(URL, json=body)

    assert_validation_error(response, field)
    assert await repos.workcell.count() == 0


async def test_create_accepts_a_name_of_exactly_255(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"name": "x" * 255})

    assert response.status_code == 201


async def test_create_without_a_json_body_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, content=b"not json", headers={"content-type": "application/json"})

    assert_error(response, 422, "validation_error")


# -- get ---------------------------------------------------------------------------------------------


async def test_get_returns_the_workcell(client: httpx.AsyncClient, repos: Builders) -> None:
    workcell = await repos.workcell.create(name="bay-3", latest_state={"t": 21.5})

    response = await client.get(f"{URL}/{workcell.accession_id}")

    assert response.status_code == 200
    body = response.json()
    assert (body["accession_id"], body["name"], body["latest_state"], body["version"]) == (
        str(workcell.accession_id),
        "bay-3",
        {"t": 21.5},
        1,
    )


async def test_get_unknown_is_404(client: httpx.AsyncClient) -> None:
    unknown = missing_id()

    body = assert_not_found(await client.get(f"{URL}/{unknown}"), entity="workcell")

    assert unknown in body["detail"]


async def test_get_with_a_malformed_id_is_422(client: httpx.AsyncClient) -> None:
    assert_validation_error(await client.get(f"{URL}/not-a-uuid"), "id")


# -- list --------------------------------------------------------------------------------------------


async def test_list_filters_by_name_substring_in_any_case(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.workcell.create(name="Hamilton bay")
    await repos.workcell.create(name="hamilton-2")
    await repos.workcell.create(name="Opentrons")

    response = await client.get(URL, params={"name": "HAMILTON", "order_by": "name"})

    assert names(response) == ["Hamilton bay", "hamilton-2"]
    assert total(response) == 2


async def test_list_name_filter_takes_wildcards_literally(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.workcell.create(name="bay_1")
    await repos.workcell.create(name="bay-1")

    assert names(await client.get(URL, params={"name": "_"})) == ["bay_1"]
    assert names(await client.get(URL, params={"name": "%"})) == []


async def test_list_filters_by_status(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.workcell.create(name="up", status=WorkcellStatus.AVAILABLE)
    await repos.workcell.create(name="down", status=WorkcellStatus.OFFLINE)

    response = await client.get(URL, params={"status": "offline"})

    assert names(response) == ["down"]
    assert total(response) == 1
    assert_validation_error(await client.get(URL, params={"status": "exploded"}), "status")


async def test_list_pages_with_limit_and_offset(client: httpx.AsyncClient, repos: Builders) -> None:
    workcells = await repos.workcell.create_batch(5)

    await check_paging(client, "workcells", in_list_order(workcells))


async def test_list_orders_ascending_and_descending(client: httpx.AsyncClient, repos: Builders) -> None:
    for name in ("b", "c", "a"):
        await repos.workcell.create(name=name)

    assert names(await client.get(URL, params={"order_by": "name"})) == ["a", "b", "c"]
    assert names(await client.get(URL, params={"order_by": "-name"})) == ["c", "b", "a"]
    assert names(await client.get(URL, params={"order_by": "-created_at"})) == ["a", "c", "b"]


async def test_list_refuses_bad_paging_and_ordering(client: httpx.AsyncClient) -> None:
    await check_list_contract(client, "workcells")


# -- update ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_update_changes_only_the_fields_sent(
    client: httpx.AsyncClient, repos: Builders, method: str
) -> None:
    workcell = await repos.workcell.create(name="bay-1", description="keep me", latest_state={"door": "open"})

    response = await client.request(method, f"{URL}/{workcell.accession_id}", json={"status": "in_use"})

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["status"], body["latest_state"], body["version"]) == (
        "bay-1",
        "keep me",
        "in_use",
        {"door": "open"},
        2,
    )
    stored = await repos.workcell.get(workcell.accession_id)
    assert (stored.name, stored.description, stored.status) == ("bay-1", "keep me", WorkcellStatus.IN_USE)


async def test_update_with_the_current_version_succeeds(client: httpx.AsyncClient, repos: Builders) -> None:
    workcell = await repos.workcell.create()

    response = await client.patch(f"{URL}/{workcell.accession_id}", json={"name": "renamed", "version": 1})

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["version"]) == ("renamed", 2)


async def test_update_with_a_stale_version_is_409_and_changes_nothing(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    workcell = await repos.workcell.create(name="bay-1")
    assert (
        await client.patch(f"{URL}/{workcell.accession_id}", json={"description": "first"})
    ).status_code == 200

    response = await client.patch(f"{URL}/{workcell.accession_id}", json={"name": "second", "version": 1})

    assert_error(response, 409, "conflict", entity="workcell", field="version")
    stored = await repos.workcell.get(workcell.accession_id)
    assert (stored.name, stored.description, stored.version) == ("bay-1", "first", 2)


async def test_update_to_a_taken_name_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.workcell.create(name="taken")
    workcell_id = (await repos.workcell.create(name="mine")).accession_id

    response = await client.put(f"{URL}/{workcell_id}", json={"name": "taken"})

    assert_error(response, 409, "conflict", entity="workcell", field="name")
    stored = await repos.workcell.get(workcell_id)
    assert (stored.name, stored.version) == ("mine", 1)
    assert (await client.patch(f"{URL}/{workcell_id}", json={"name": "free"})).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 256}, "name"),
        ({"status": "exploded"}, "status"),
        ({"colour": "red"}, "colour"),
        ({"version": 0}, "version"),
        ({"version": "one"}, "version"),
    ],
    ids=["name-over-255", "unknown-status", "unknown-field", "version-zero", "version-wrong-type"],
)
async def test_update_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    workcell = await repos.workcell.create(name="bay-1")

    assert_validation_error(await client.patch(f"{URL}/{workcell.accession_id}", json=body), field)
    stored = await repos.workcell.get(workcell.accession_id)
    assert (stored.name, stored.version) == ("bay-1", 1)


async def test_update_setting_a_required_field_to_null_is_422(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    workcell_id = (await repos.workcell.create(name="bay-1")).accession_id

    response = await client.patch(f"{URL}/{workcell_id}", json={"name": None})

    assert_validation_error(response, "name")
    assert (await repos.workcell.get(workcell_id)).name == "bay-1"


async def test_update_unknown_is_404(client: httpx.AsyncClient) -> None:
    assert_not_found(await client.patch(f"{URL}/{missing_id()}", json={"name": "x"}), entity="workcell")
    assert_not_found(await client.put(f"{URL}/{missing_id()}", json={"name": "x"}), entity="workcell")


# -- delete ------------------------------------------------------------------------------------------


async def test_delete_is_204_then_404(client: httpx.AsyncClient, repos: Builders) -> None:
    workcell = await repos.workcell.create()

    response = await client.delete(f"{URL}/{workcell.accession_id}")

    assert response.status_code == 204
    assert response.content == b""
    assert await repos.workcell.get_or_none(workcell.accession_id) is None
    assert_not_found(await client.get(f"{URL}/{workcell.accession_id}"))
    assert_not_found(await client.delete(f"{URL}/{workcell.accession_id}"))


async def test_delete_of_a_workcell_holding_machines_is_409_and_keeps_it(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    machine = await repos.machine.create()

    response = await client.delete(f"{URL}/{machine.workcell_id}")

    assert_error(response, 409, "conflict", entity="workcell")
    assert await repos.workcell.exists(accession_id=machine.workcell_id)
    assert (await repos.machine.get(machine.accession_id)).workcell_id == machine.workcell_id
    assert (await client.get(f"{URL}/{machine.workcell_id}")).status_code == 200


@pytest.mark.parametrize("holder", ["resource", "deck", "protocol_run"])
async def test_delete_of_a_workcell_holding_labware_decks_or_runs_is_409(
    client: httpx.AsyncClient, repos: Builders, holder: str
) -> None:
    workcell = await repos.workcell.create()
    held = await getattr(repos, holder).create(workcell=workcell)

    response = await client.delete(f"{URL}/{workcell.accession_id}")

    assert_error(response, 409, "conflict", entity="workcell")
    assert await repos.workcell.exists(accession_id=workcell.accession_id)
    assert await getattr(repos, holder).exists(accession_id=held.accession_id)


# -- text the database cannot store ------------------------------------------------------------------


async def test_a_nul_character_is_refused_where_it_is_sent(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    """PostgreSQL text and JSONB cannot hold U+0000: refused as a 422 on the field that has it, in
    a body and in a query string alike, instead of reaching the database."""
    in_name = await client.post(URL, json={"name": "bay\x001"})
    in_json = await client.post(URL, json={"name": "bay-1", "latest_state": {"note": "a\u0000b"}})
    in_filter = await client.get(URL, params={"name": "bay\x00"})

    assert_validation_error(in_name, "name")
    assert_validation_error(in_json, "latest_state")
    assert_validation_error(in_filter, "name")
    assert await repos.workcell.count() == 0
