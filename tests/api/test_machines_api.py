"""``/api/v1/machines``: what only machines do, above all moving between workcells with their decks.

The contract every collection shares (trailing slashes, paging, ordering by name and fqn, partial
updates, stale versions, taken names, unknown workcells, 404s, deletes refused while decks are
mounted) is checked for machines too, in ``tests/api/common/``.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.models.orm import MachineStatus
from tests.api.bodies import STAR
from tests.api.helpers import API, assert_error, names, total
from tests.builders import Builders

URL = f"{API}/machines"


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


async def test_get_returns_the_machine(client: httpx.AsyncClient, repos: Builders) -> None:
    machine = await repos.machine.create(name="STAR-2")

    response = await client.get(f"{URL}/{machine.accession_id}")

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["fqn"], body["workcell_id"]) == ("STAR-2", STAR, str(machine.workcell_id))
    assert body["connection_info"] == machine.connection_info


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


# == statuses with details ===========================================================================


async def test_a_machine_goes_offline_with_a_reason_and_back(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    machine = await repos.machine.create()
    url = f"{URL}/{machine.accession_id}"

    offline = await client.patch(url, json={"status": "offline", "status_details": "door open"})
    back = await client.patch(url, json={"status": "available"})

    assert (offline.json()["status"], offline.json()["status_details"]) == ("offline", "door open")
    assert (back.json()["status"], back.json()["status_details"]) == ("available", None)
    assert (await repos.machine.get(machine.accession_id)).status_details is None


@pytest.mark.parametrize("status", ["offline", "error"])
async def test_offline_or_error_needs_a_reason(
    client: httpx.AsyncClient, repos: Builders, status: str
) -> None:
    machine = await repos.machine.create()

    updated = await client.patch(f"{URL}/{machine.accession_id}", json={"status": status})
    created = await client.post(URL, json={"name": "reader-2", "fqn": STAR, "status": status})

    assert_error(updated, 409, "invalid_value", entity="machine", field="status_details")
    assert_error(created, 409, "invalid_value", entity="machine", field="status_details")
    assert (await repos.machine.get(machine.accession_id)).status is MachineStatus.AVAILABLE


async def test_details_change_without_a_status_change(client: httpx.AsyncClient, repos: Builders) -> None:
    machine = await repos.machine.create(status=MachineStatus.ERROR, status_details="E-stop pressed")

    response = await client.patch(f"{URL}/{machine.accession_id}", json={"status_details": "E-stop released"})

    assert (response.json()["status"], response.json()["status_details"]) == ("error", "E-stop released")


async def test_machines_are_listed_by_status(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.machine.create(name="STAR-1")
    await repos.machine.create(name="reader-1", status=MachineStatus.ERROR, status_details="lamp failure")

    listed = await client.get(URL, params={"status": "error"})

    assert [(m["name"], m["status_details"]) for m in listed.json()] == [("reader-1", "lamp failure")]
