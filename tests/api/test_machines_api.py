"""``/api/v1/machines``: every route, its successes and each way it refuses a request."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.models.orm import MachineStatus
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

URL = f"{API}/machines"
STAR = "pylabrobot.liquid_handling.LiquidHandler"
READER = "pylabrobot.plate_reading.PlateReader"


# -- create ------------------------------------------------------------------------------------------


async def test_create_returns_the_stored_machine(client: httpx.AsyncClient, repos: Builders) -> None:
    workcell = await repos.workcell.create()

    response = await client.post(
        URL,
        json={
            "name": "STAR-1",
            "fqn": STAR,
            "description": "Hamilton STAR",
            "status": "maintenance",
            "connection_info": {"backend": "STARBackend", "port": "/dev/ttyUSB0"},
            "workcell_id": str(workcell.accession_id),
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["fqn"], body["status"], body["version"]) == ("STAR-1", STAR, "maintenance", 1)
    assert body["connection_info"] == {"backend": "STARBackend", "port": "/dev/ttyUSB0"}
    assert body["workcell_id"] == str(workcell.accession_id)
    stored = await repos.machine.get(body["accession_id"])
    assert (stored.name, stored.status, stored.workcell_id) == (
        "STAR-1",
        MachineStatus.MAINTENANCE,
        workcell.accession_id,
    )


async def test_create_without_a_workcell_fills_in_defaults(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"name": "loose", "fqn": STAR})

    assert response.status_code == 201
    body = response.json()
    assert (body["workcell_id"], body["status"], body["connection_info"]) == (None, "available", {})


async def test_create_answers_with_and_without_trailing_slash(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    await check_create_at_both_paths(
        client, "machines", ({"name": "a", "fqn": STAR}, {"name": "b", "fqn": READER})
    )

    assert await repos.machine.count() == 2


async def test_create_with_a_taken_name_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.machine.create(name="STAR-1")

    response = await client.post(URL, json={"name": "STAR-1", "fqn": STAR})

    assert_error(response, 409, "conflict", entity="machine", field="name")
    assert await repos.machine.count() == 1


async def test_create_in_an_unknown_workcell_is_422(client: httpx.AsyncClient, repos: Builders) -> None:
    response = await client.post(URL, json={"name": "STAR-1", "fqn": STAR, "workcell_id": missing_id()})

    assert_error(response, 422, "invalid_reference", entity="machine", field="workcell_id")
    assert await repos.machine.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fqn": STAR}, "name"),
        ({"name": "STAR-1"}, "fqn"),
        ({"name": "x" * 256, "fqn": STAR}, "name"),
        ({"name": "STAR-1", "fqn": ["not", "a", "string"]}, "fqn"),
        ({"name": "STAR-1", "fqn": STAR, "status": "on_fire"}, "status"),
        ({"name": "STAR-1", "fqn": STAR, "workcell_id": "bay-1"}, "workcell_id"),
        ({"name": "STAR-1", "fqn": STAR, "connection_info": [1, 2]}, "connection_info"),
        ({"name": "STAR-1", "fqn": STAR, "serial": "123"}, "serial"),
    ],
    ids=[
        "missing-name",
        "missing-fqn",
        "name-over-255",
        "fqn-wrong-type",
        "unknown-status",
        "workcell-id-not-uuid",
        "connection-info-not-object",
        "unknown-field",
    ],
)
async def test_create_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    assert_validation_error(await client.post(URL, json=body), field)
    assert await repos.machine.count() == 0


# -- get ---------------------------------------------------------------------------------------------


async def test_get_returns_the_machine(client: httpx.AsyncClient, repos: Builders) -> None:
    machine = await repos.machine.create(name="STAR-2")

    response = await client.get(f"{URL}/{machine.accession_id}")

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["fqn"], body["workcell_id"]) == ("STAR-2", STAR, str(machine.workcell_id))
    assert body["connection_info"] == machine.connection_info


async def test_get_unknown_is_404(client: httpx.AsyncClient) -> None:
    assert_not_found(await client.get(f"{URL}/{missing_id()}"), entity="machine")


# -- list --------------------------------------------------------------------------------------------


async def test_list_filters_by_workcell(client: httpx.AsyncClient, repos: Builders) -> None:
    bay = await repos.workcell.create()
    mine = await repos.machine.create_batch(3, workcell=bay)
    await repos.machine.create()  # in another workcell

    response = await client.get(URL, params={"workcell_id": str(bay.accession_id), "order_by": "name"})

    assert names(response) == sorted(m.name for m in mine)
    assert total(response) == 3


async def test_list_filters_by_status_and_name(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.machine.create(name="STAR-1", status=MachineStatus.AVAILABLE)
    await repos.machine.create(name="star-2", status=MachineStatus.ERROR)
    await repos.machine.create(name="Reader", status=MachineStatus.ERROR)

    assert names(await client.get(URL, params={"status": "error", "order_by": "name"})) == [
        "Reader",
        "star-2",
    ]
    assert names(await client.get(URL, params={"name": "Star", "order_by": "name"})) == ["STAR-1", "star-2"]
    both = await client.get(URL, params={"name": "star", "status": "error"})
    assert names(both) == ["star-2"]
    assert total(both) == 1


async def test_list_pages_with_limit_and_offset(client: httpx.AsyncClient, repos: Builders) -> None:
    machines = await repos.machine.create_batch(5)

    await check_paging(client, "machines", in_list_order(machines))


async def test_list_orders_by_fqn_and_name(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.machine.create(name="b", fqn=READER)
    await repos.machine.create(name="a", fqn=STAR)
    await repos.machine.create(name="c", fqn="pylabrobot.heating_shaking.HeaterShaker")

    assert names(await client.get(URL, params={"order_by": "fqn"})) == ["c", "a", "b"]
    assert names(await client.get(URL, params={"order_by": "-fqn"})) == ["b", "a", "c"]
    assert names(await client.get(URL, params={"order_by": "-name"})) == ["c", "b", "a"]


async def test_list_refuses_bad_paging_and_ordering(client: httpx.AsyncClient) -> None:
    await check_list_contract(client, "machines")
    assert_validation_error(await client.get(URL, params={"workcell_id": "bay-1"}), "workcell_id")


# -- update ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_update_changes_only_the_fields_sent(
    client: httpx.AsyncClient, repos: Builders, method: str
) -> None:
    machine = await repos.machine.create(name="STAR-1", description="left bench")

    response = await client.request(
        method, f"{URL}/{machine.accession_id}", json={"status": "offline", "connection_info": {"port": 2}}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["status"], body["version"]) == (
        "STAR-1",
        "left bench",
        "offline",
        2,
    )
    stored = await repos.machine.get(machine.accession_id)
    assert (stored.status, stored.connection_info, stored.workcell_id) == (
        MachineStatus.OFFLINE,
        {"port": 2},
        machine.workcell_id,
    )


async def test_update_moves_a_machine_between_workcells_and_out(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    machine = await repos.machine.create()
    other = await repos.workcell.create()

    moved = await client.patch(f"{URL}/{machine.accession_id}", json={"workcell_id": str(other.accession_id)})
    taken_out = await client.patch(f"{URL}/{machine.accession_id}", json={"workcell_id": None})

    assert moved.json()["workcell_id"] == str(other.accession_id)
    assert taken_out.status_code == 200
    assert taken_out.json()["workcell_id"] is None
    assert (await repos.machine.get(machine.accession_id)).workcell_id is None


async def test_moving_a_machine_takes_its_decks_into_the_new_workcell(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    machine = await repos.machine.create()
    decks = await repos.deck.create_batch(2, machine=machine)
    placed_elsewhere = await repos.deck.create(machine=machine, workcell__name="bay-9")
    other = await repos.workcell.create()

    response = await client.patch(
        f"{URL}/{machine.accession_id}", json={"workcell_id": str(other.accession_id)}
    )

    assert response.status_code == 200
    listed = await client.get(f"{API}/decks", params={"machine_id": str(machine.accession_id), "limit": 500})
    workcells = {d["accession_id"]: d["workcell_id"] for d in listed.json()}
    assert [workcells[str(d.accession_id)] for d in decks] == [str(other.accession_id)] * 2
    # a deck given a workcell of its own, not the machine's, keeps it
    assert workcells[str(placed_elsewhere.accession_id)] == str(placed_elsewhere.workcell_id)
    assert (await repos.deck.get(decks[0].accession_id)).workcell_id == other.accession_id


async def test_update_with_a_stale_version_is_409_and_changes_nothing(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    machine = await repos.machine.create(name="STAR-1")
    machine_id = machine.accession_id
    assert (
        await client.put(f"{URL}/{machine_id}", json={"status": "in_use", "version": 1})
    ).status_code == 200

    response = await client.put(f"{URL}/{machine_id}", json={"status": "offline", "version": 1})

    assert_error(response, 409, "conflict", entity="machine", field="version")
    stored = await repos.machine.get(machine_id)
    assert (stored.status, stored.version) == (MachineStatus.IN_USE, 2)


async def test_update_to_a_taken_name_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.machine.create(name="taken")
    machine_id = (await repos.machine.create(name="mine")).accession_id

    response = await client.patch(f"{URL}/{machine_id}", json={"name": "taken"})

    assert_error(response, 409, "conflict", entity="machine", field="name")
    assert (await repos.machine.get(machine_id)).name == "mine"


async def test_update_into_an_unknown_workcell_is_422(client: httpx.AsyncClient, repos: Builders) -> None:
    machine = await repos.machine.create()
    machine_id, workcell_id = machine.accession_id, machine.workcell_id

    response = await client.patch(f"{URL}/{machine_id}", json={"workcell_id": missing_id()})

    assert_error(response, 422, "invalid_reference", entity="machine", field="workcell_id")
    assert (await repos.machine.get(machine_id)).workcell_id == workcell_id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"fqn": None}, "fqn"),
        ({"status": None}, "status"),
        ({"name": "x" * 256}, "name"),
        ({"status": "on_fire"}, "status"),
        ({"serial": "123"}, "serial"),
    ],
    ids=["null-name", "null-fqn", "null-status", "name-over-255", "unknown-status", "unknown-field"],
)
async def test_update_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    machine = await repos.machine.create(name="STAR-1")

    assert_validation_error(await client.patch(f"{URL}/{machine.accession_id}", json=body), field)
    stored = await repos.machine.get(machine.accession_id)
    assert (stored.name, stored.fqn, stored.status, stored.version) == (
        "STAR-1",
        STAR,
        MachineStatus.AVAILABLE,
        1,
    )


async def test_update_unknown_is_404(client: httpx.AsyncClient) -> None:
    assert_not_found(await client.patch(f"{URL}/{missing_id()}", json={"name": "x"}), entity="machine")


# -- delete ------------------------------------------------------------------------------------------


async def test_delete_is_204_then_404(client: httpx.AsyncClient, repos: Builders) -> None:
    machine = await repos.machine.create()

    assert (await client.delete(f"{URL}/{machine.accession_id}")).status_code == 204

    assert await repos.machine.get_or_none(machine.accession_id) is None
    assert await repos.workcell.exists(accession_id=machine.workcell_id)  # the workcell stays
    assert_not_found(await client.get(f"{URL}/{machine.accession_id}"), entity="machine")
    assert_not_found(await client.delete(f"{URL}/{machine.accession_id}"), entity="machine")


async def test_delete_of_a_machine_carrying_decks_is_409_and_keeps_both(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await repos.deck.create()

    response = await client.delete(f"{URL}/{deck.parent_machine_id}")

    assert_error(response, 409, "conflict", entity="machine", field="decks")
    assert await repos.machine.exists(accession_id=deck.parent_machine_id)
    assert await repos.deck.exists(accession_id=deck.accession_id)


async def test_delete_of_a_machine_named_by_outputs_keeps_the_outputs(
    client: httpx.AsyncClient, repos: Builders, db_session: AsyncSession
) -> None:
    machine = await repos.machine.create()
    output = await repos.data_output.create(machine=machine)

    assert (await client.delete(f"{URL}/{machine.accession_id}")).status_code == 204

    # The database clears the reference (ON DELETE SET NULL); the test's session still holds the
    # output as the builder made it, so it reloads to see what is stored.
    await db_session.refresh(output)
    assert output.machine_id is None
    kept = await client.get(f"{API}/outputs/{output.accession_id}")
    assert kept.status_code == 200
    assert kept.json()["machine_id"] is None
