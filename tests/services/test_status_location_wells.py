"""Machine and labware statuses, labware placement, and plates as wells, through their services."""

from __future__ import annotations

import pytest

from praxis.backend.errors import ConflictError, InvalidValueError
from praxis.backend.models.orm import MachineStatus, ResourceStatus, RunStatus
from praxis.backend.repositories import Repositories
from praxis.backend.services.data_output import DataOutputService, row_label, split_well, well_names
from praxis.backend.services.machine import MachineService
from praxis.backend.services.resource import ResourceService
from tests.builders import Builders


async def test_a_machine_in_error_says_why_and_a_new_status_clears_the_reason(
    repos: Builders, repositories: Repositories
) -> None:
    machine = await repos.machine.create()
    service = MachineService(repositories)

    with pytest.raises(InvalidValueError) as raised:
        await service.update(machine.accession_id, {"status": MachineStatus.ERROR})
    errored = await service.update(
        machine.accession_id, {"status": MachineStatus.ERROR, "status_details": "Z-drive stalled"}
    )
    assert errored.status_details == "Z-drive stalled"
    recovered = await service.update(machine.accession_id, {"status": MachineStatus.AVAILABLE})

    assert raised.value.field == "status_details"
    assert (recovered.status, recovered.status_details) == (MachineStatus.AVAILABLE, None)


async def test_discarded_labware_is_final(repos: Builders, repositories: Repositories) -> None:
    plate = await repos.resource.create(status=ResourceStatus.DISCARDED)

    with pytest.raises(ConflictError) as raised:
        await ResourceService(repositories).update(plate.accession_id, {"status": ResourceStatus.AVAILABLE})

    assert (raised.value.entity, raised.value.field) == ("resource", "status")


async def test_labware_is_placed_on_a_free_position_of_its_deck(
    repos: Builders, repositories: Repositories
) -> None:
    deck = await repos.deck.create()
    definition = await repos.resource_definition.create()
    service = ResourceService(repositories)
    body = {"resource_definition_id": definition.accession_id, "deck_id": deck.accession_id}

    placed = await service.create({**body, "name": "carrier 1", "position_name": "rail-1"})
    with pytest.raises(ConflictError) as taken:
        await service.create({**body, "name": "carrier 2", "position_name": "rail-1"})
    with pytest.raises(InvalidValueError) as nowhere:
        await service.create({**body, "name": "carrier 3"})

    assert placed.deck_id == deck.accession_id
    assert taken.value.field == nowhere.value.field == "position_name"
    assert [r.name for r in await service.children(placed.accession_id)] == []


def test_well_names_and_rows() -> None:
    assert well_names(96)[:2] == ["A1", "A2"] and well_names(96)[12] == "B1" and len(well_names(384)) == 384
    assert (row_label(0), row_label(25), row_label(26), row_label(31)) == ("A", "Z", "AA", "AF")
    assert split_well("AF48") == (31, 48)
    for malformed in ("", "A", "7", "A0", "1A", "A-1", "ABC1"):
        with pytest.raises(ValueError, match="not a well name"):
            split_well(malformed)


async def test_wells_and_their_plate(repos: Builders, repositories: Repositories) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    service = DataOutputService(repositories)

    wells = await service.create_wells(
        {"protocol_run_id": run.accession_id, "name": "od", "values": [float(i) for i in range(24)]}
    )
    plate = await service.plate(run.accession_id, "od")

    assert [w.well_name for w in wells[:7]] == ["A1", "A2", "A3", "A4", "A5", "A6", "B1"]
    assert (plate.rows, plate.columns, plate.grid[3][:7]) == (  # no labware: a 96-well plate
        list("ABCDEFGH"),
        12,
        [18.0, 19.0, 20.0, 21.0, 22.0, 23.0, None],
    )
    with pytest.raises(InvalidValueError) as raised:
        await service.create_wells({"protocol_run_id": run.accession_id, "name": "od", "values": [1.0] * 7})
    assert raised.value.field == "values"
