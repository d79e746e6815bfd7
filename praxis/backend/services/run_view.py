"""What the run pages show, gathered in one place: a run with its protocol and workcell, its call
tree, its outputs, and each plate read laid out on the plate's real geometry.

Plate geometry: ``data_output.plate_geometry`` (the plate's labware definition; 96 wells without one),
grown to hold every well read. Wells not read stay empty (a partial plate).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from praxis.backend.models.orm import DataOutputOrm, DataType, ProtocolRunOrm
from praxis.backend.repositories import Repositories
from praxis.backend.services.data_output import plate_geometry, row_label, split_well
from praxis.backend.services.protocol import CallTree, nest_calls


@dataclass
class PlateRead:
    """One plate read: the wells of outputs of one name on one plate, on its geometry."""

    name: str
    resource_id: uuid.UUID | None
    resource_name: str | None
    unit: str | None
    rows: int
    columns: int
    wells: dict[str, float] = field(default_factory=dict)
    measured_at: datetime | None = None

    @property
    def row_labels(self) -> list[str]:
        return [row_label(r) for r in range(self.rows)]

    @property
    def value_range(self) -> tuple[float, float] | None:
        return (min(self.wells.values()), max(self.wells.values())) if self.wells else None


@dataclass
class RunView:
    run: ProtocolRunOrm
    protocol_name: str
    workcell_name: str | None
    calls: list[CallTree]
    plates: list[PlateRead]
    outputs: list[DataOutputOrm]  # the ones that are not a plate's wells


async def run_view(repos: Repositories, run_id: uuid.UUID) -> RunView:
    run = await repos.protocol_run.get(run_id)
    definition = await repos.protocol_definition.get(run.protocol_definition_id)
    workcell = await repos.workcell.get_or_none(run.workcell_id) if run.workcell_id else None
    calls = nest_calls(await repos.protocol_run.calls_of(run_id))
    outputs = await repos.data_output.list({"protocol_run_id": run_id}, order_by="created_at")
    plates, others = await plate_reads(repos, outputs)
    return RunView(run, definition.name, workcell.name if workcell else None, calls, plates, others)


async def plate_reads(
    repos: Repositories, outputs: list[DataOutputOrm]
) -> tuple[list[PlateRead], list[DataOutputOrm]]:
    """The outputs' plate reads (numeric outputs with a well, by name and plate; a well recorded twice
    shows its latest value), and the other outputs."""
    plates: dict[tuple[str, uuid.UUID | None], PlateRead] = {}
    others: list[DataOutputOrm] = []
    for output in outputs:
        if output.well_name is None or output.data_type != DataType.NUMERIC or output.numeric_value is None:
            others.append(output)
            continue
        key = (output.name, output.resource_id)
        if key not in plates:
            resource = await repos.resource.get_or_none(output.resource_id) if output.resource_id else None
            definition = (
                await repos.resource_definition.get_or_none(resource.resource_definition_id)
                if resource
                else None
            )
            rows, columns = plate_geometry(definition)
            plates[key] = PlateRead(
                output.name,
                output.resource_id,
                resource.name if resource else None,
                output.unit,
                rows,
                columns,
            )
        plate = plates[key]
        try:
            row, column = split_well(output.well_name)
        except ValueError:
            others.append(output)
            continue
        plate.rows, plate.columns = max(plate.rows, row + 1), max(plate.columns, column)
        plate.wells[f"{row_label(row)}{column}"] = output.numeric_value
        plate.unit = output.unit or plate.unit
        if output.measured_at is not None and (
            plate.measured_at is None or output.measured_at > plate.measured_at
        ):
            plate.measured_at = output.measured_at
    return list(plates.values()), others


async def recent_runs(repos: Repositories, limit: int = 50) -> list[tuple[ProtocolRunOrm, str]]:
    """The latest runs, newest first, with their protocol's name."""
    runs = await repos.protocol_run.list({}, order_by="-created_at", limit=limit)
    names: dict[uuid.UUID, str] = {}
    for run in runs:
        if run.protocol_definition_id not in names:
            names[run.protocol_definition_id] = (
                await repos.protocol_definition.get(run.protocol_definition_id)
            ).name
    return [(run, names[run.protocol_definition_id]) for run in runs]
