"""Binding a protocol's PyLabRobot parameters to the workcell's machines and labware, and holding them
for the run: two executing runs never hold one asset."""

from __future__ import annotations

import pytest

from praxis.backend.errors import InvalidValueError
from praxis.backend.execution.assets import LIQUID_HANDLER, PLATE, Candidate, bind, fits
from praxis.backend.execution.errors import AssetsMissing
from praxis.backend.models.orm import MachineStatus, RunStatus
from praxis.backend.repositories import Repositories
from praxis.backend.services.protocol import ProtocolRunService
from tests.builders import Builders
from tests.harness.execution import Lab, ProtocolRunner


def test_a_class_a_subclass_and_a_labware_factory_fit_a_parameter() -> None:
    assert fits(LIQUID_HANDLER, "pylabrobot.liquid_handling.LiquidHandler")
    assert fits(PLATE, "pylabrobot.resources.Plate")  # a factory function returning a Plate
    assert fits(PLATE, "pylabrobot.resources.Resource")  # Plate is a Resource
    assert not fits(PLATE, "pylabrobot.resources.TipRack")
    assert not fits("os.system", "pylabrobot.resources.Plate")  # nothing outside pylabrobot is imported


def test_each_parameter_gets_its_own_record_or_the_missing_one_is_named() -> None:
    plates = [Candidate("1", "resource", "plate a", PLATE), Candidate("2", "resource", "plate b", PLATE)]
    required = [
        {"name": "source", "type_hint": "pylabrobot.resources.Plate"},
        {"name": "target", "type_hint": "pylabrobot.resources.Plate"},
    ]

    bound = bind(required, {}, plates)
    by_name = bind(required, {"source": "plate b"}, plates)

    assert {name: c.name for name, c in bound.items()} == {"source": "plate a", "target": "plate b"}
    assert {name: c.name for name, c in by_name.items()} == {"source": "plate b", "target": "plate a"}
    with pytest.raises(AssetsMissing, match="'target' needs a Plate") as missing:
        bind(required, {}, plates[:1])
    assert missing.value.parameter == "target"


async def test_a_machine_in_maintenance_is_not_bound(
    repos: Builders, repositories: Repositories, simulation_lab: Lab
) -> None:
    reader = await repos.machine.get_by(name="reader", workcell_id=simulation_lab.workcell.accession_id)
    assert reader is not None
    await repos.machine.update(reader, status=MachineStatus.MAINTENANCE)
    run = await repos.protocol_run.create(
        protocol_definition=simulation_lab.read, workcell=simulation_lab.workcell, input_parameters={}
    )

    with pytest.raises(InvalidValueError, match="'reader' needs a PlateReader") as refused:
        await ProtocolRunService(repositories).command(run.accession_id, "queue")
    assert refused.value.field == "input_parameters.reader"


async def test_a_run_whose_assets_are_held_waits_queued_then_runs_when_they_are_free(
    repos: Builders, repositories: Repositories, simulation_lab: Lab, protocol_runner: ProtocolRunner
) -> None:
    reader = await repos.machine.get_by(name="reader", workcell_id=simulation_lab.workcell.accession_id)
    assert reader is not None
    holder = await repos.protocol_run.create(
        protocol_definition=simulation_lab.read, status=RunStatus.RUNNING
    )
    assert (
        await repositories.protocol_run.reserve(holder.accession_id, [(reader.accession_id, "machine")]) == {}
    )
    run = await repos.protocol_run.create(
        protocol_definition=simulation_lab.read, workcell=simulation_lab.workcell, input_parameters={}
    )

    waiting = await protocol_runner.run(run)

    assert waiting.run.status is RunStatus.QUEUED
    assert waiting.run.status_details == f"queued, waiting for 'reader' (held by run {holder.accession_id})"
    assert waiting.call_tree == []

    await repositories.protocol_run.release(holder.accession_id)
    await protocol_runner.run_queued(due_only=False)
    finished = await protocol_runner.finished(run.accession_id)

    assert finished.run.status is RunStatus.COMPLETED
    assert (
        await repositories.protocol_run.reserve(holder.accession_id, [(reader.accession_id, "machine")]) == {}
    )
