"""The demo protocols run to completion in simulation, through the worker."""

from __future__ import annotations

from praxis.backend.models.orm import CallStatus, RunStatus
from tests.builders import Builders
from tests.harness.execution import Lab, ProtocolRunner


async def test_a_serial_dilution_runs_to_completion_with_its_call_tree(
    repos: Builders, simulation_lab: Lab, protocol_runner: ProtocolRunner
) -> None:
    run = await repos.protocol_run.create(
        protocol_definition=simulation_lab.dilution,
        workcell=simulation_lab.workcell,
        input_parameters={"start_volume_ul": 200.0, "columns": 4},
    )

    finished = await protocol_runner.run(run)

    assert finished.run.status is RunStatus.COMPLETED, finished.run.status_details
    assert finished.calls == ["serial_dilution"] + ["transfer"] * 3
    root = finished.call_tree[0]
    assert root.call.arguments["start_volume_ul"] == 200.0
    assert root.call.arguments["lh"]["type"] == "LiquidHandler"
    assert root.call.arguments["plate"] == {"type": "Plate", "name": "plate_01"}
    assert [child.call.return_value for child in root.children] == [100.0, 100.0, 100.0]
    assert all(c.call.status is CallStatus.COMPLETED for c in [root, *root.children])
    assert finished.run.initial_state_json and finished.run.final_state_json
    assert finished.run.output_data == {"result": {"transfers": 3, "volume_ul": 100.0}}


async def test_an_absorbance_read_records_one_output_per_well(
    repos: Builders, simulation_lab: Lab, protocol_runner: ProtocolRunner
) -> None:
    run = await repos.protocol_run.create(
        protocol_definition=simulation_lab.read, workcell=simulation_lab.workcell, input_parameters={}
    )

    finished = await protocol_runner.run(run)

    assert finished.run.status is RunStatus.COMPLETED, finished.run.status_details
    assert len(finished.outputs) == 96
    read_call = finished.call_tree[0].children[0]
    assert read_call.call.function_name == "read_absorbance"
    assert {o.well_name for o in finished.outputs} >= {"A1", "H12"}
    assert {o.name for o in finished.outputs} == {"absorbance_600nm"}
    values = read_call.call.return_value
    assert values is not None
    by_well = {o.well_name: o.numeric_value for o in finished.outputs}
    assert by_well["A1"] == values[0][0] and by_well["H12"] == values[7][11]
