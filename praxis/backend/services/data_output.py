"""Function data outputs: what a run measured, with its value in the column its data type names."""

from __future__ import annotations

import re
import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from praxis.backend.errors import (
    InvalidReferenceError,
    InvalidValueError,
    NotFoundError,
    PayloadTooLargeError,
)
from praxis.backend.models.orm import DataOutputOrm, DataType, ResourceDefinitionOrm
from praxis.backend.models.orm.data_output import file_columns
from praxis.backend.services.base import CrudService

VALUE_FIELD = {DataType.NUMERIC: "numeric_value", DataType.JSON: "json_value", DataType.TEXT: "text_value"}

#: the standard (SBS) plate formats: wells -> (rows, columns)
PLATE_FORMATS = {6: (2, 3), 12: (3, 4), 24: (4, 6), 48: (6, 8), 96: (8, 12), 384: (16, 24), 1536: (32, 48)}


def row_label(index: int) -> str:
    """A, B, ..., Z, then AA, AB, ... (a 1536-well plate has 32 rows)."""
    letters = string.ascii_uppercase
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]


def row_index(label: str) -> int:
    label = label.upper()
    if len(label) == 1:
        return string.ascii_uppercase.index(label)
    return (string.ascii_uppercase.index(label[0]) + 1) * 26 + string.ascii_uppercase.index(label[1])


_WELL = re.compile(r"([A-Za-z]{1,2})([1-9][0-9]{0,3})")


def split_well(well: str) -> tuple[int, int]:
    """``"B7"`` -> (1, 7): zero-based row, one-based column; ValueError for anything not a well's name
    (one or two row letters, then a column from 1)."""
    match = _WELL.fullmatch(well)
    if match is None:
        raise ValueError(f"{well!r} is not a well name (row letters then a column number, like 'B7')")
    return row_index(match.group(1)), int(match.group(2))


#: the geometry of a plate whose labware definition says nothing: the most common plate, 96 wells
DEFAULT_GEOMETRY = PLATE_FORMATS[96]
_WELL_COUNT = re.compile(r"(?<![0-9])(6|12|24|48|96|384|1536)[_ -]?well", re.IGNORECASE)


def plate_geometry(definition: ResourceDefinitionOrm | None) -> tuple[int, int]:
    """(rows, columns) of a plate of labware ``definition``: from its ``properties`` (``num_items_y`` x
    ``num_items_x``, PyLabRobot's words, or ``rows`` x ``columns``), else a standard well count in its
    name or factory (``cor_96_wellplate_360uL_Fb``: 8 x 12), else (or with no definition) 96 wells."""
    if definition is None:
        return DEFAULT_GEOMETRY
    props = definition.properties or {}
    for rows_key, columns_key in (("num_items_y", "num_items_x"), ("rows", "columns")):
        rows, columns = props.get(rows_key), props.get(columns_key)
        if isinstance(rows, int) and isinstance(columns, int) and rows > 0 and columns > 0:
            return rows, columns
    for text in (definition.name, definition.fqn):
        if match := _WELL_COUNT.search(text or ""):
            return PLATE_FORMATS[int(match.group(1))]
    return DEFAULT_GEOMETRY


def well_names(count: int) -> list[str]:
    """The wells of a ``count``-well plate in reading order (A1, A2, ..., then B1, ...)."""
    rows, columns = PLATE_FORMATS[count]
    return [f"{row_label(r)}{c}" for r in range(rows) for c in range(1, columns + 1)]


@dataclass(frozen=True)
class Plate:
    """A run's well values of one name, laid out on the plate's geometry (``plate_geometry``, grown to
    hold every well read); the API answers it as it is (``GET /protocols/runs/{id}/outputs/plate``).
    ``rows`` are the row letters, ``grid`` one list per row (``null`` for a well with no value: a partial
    plate), ``wells`` the same values by name, ``min_value``/``max_value`` their range and
    ``measured_at`` the latest measurement time among them."""

    protocol_run_id: uuid.UUID
    name: str
    unit: str | None
    resource_id: uuid.UUID | None
    rows: list[str]
    columns: int
    wells: dict[str, float]
    grid: list[list[float | None]]
    min_value: float
    max_value: float
    measured_at: datetime | None


class DataOutputService(CrudService[DataOutputOrm]):
    """Outputs, one at a time or a plate's wells at once, and a run's wells read back as a plate."""

    repository_name = "data_output"
    orderable = frozenset({"created_at", "updated_at", "name", "measured_at", "well_name"})

    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        call_id = values.get("function_call_id")
        if call_id is not None:
            await self._check_call_of_run(call_id, values.get("protocol_run_id"))
        data_type = DataType(values.get("data_type", DataType.NUMERIC))
        wanted = VALUE_FIELD[data_type]
        if values.get(wanted) is None:
            raise InvalidValueError(
                f"a {data_type.value} output needs {wanted}", entity="function_data_output", field=wanted
            )
        for other in set(VALUE_FIELD.values()) - {wanted}:
            if values.get(other) is not None:
                raise InvalidValueError(
                    f"a {data_type.value} output keeps its value in {wanted}, not {other}",
                    entity="function_data_output",
                    field=other,
                )
        return values

    async def before_update(self, obj: DataOutputOrm, changes: dict[str, Any]) -> dict[str, Any]:
        """A corrected value goes in the column of the output's data type, and is never cleared."""
        wanted = VALUE_FIELD[obj.data_type]
        for column in VALUE_FIELD.values():
            if column in changes and (column != wanted or changes[column] is None):
                raise InvalidValueError(
                    f"a {obj.data_type.value} output keeps its value in {wanted}"
                    + (", which cannot be cleared" if column == wanted else f", not {column}"),
                    entity="function_data_output",
                    field=column,
                )
        return changes

    async def attach_file(
        self, id: uuid.UUID, data: bytes, *, file_name: str, content_type: str, max_bytes: int
    ) -> DataOutputOrm:
        """The output's file (a reader's export, an image): stored with its name, media type, size and
        SHA-256, replacing any file it carried. Empty or over ``max_bytes``: refused, nothing changed."""
        output = await self.repos.data_output.get(id)
        if not data:
            raise InvalidValueError("the file is empty", entity="function_data_output", field="body")
        if len(data) > max_bytes:
            raise PayloadTooLargeError(
                f"the file is {len(data)} bytes; an output's file may be at most {max_bytes}",
                entity="function_data_output",
                field="body",
            )
        return await self.repos.data_output.store_file(
            output, data, **file_columns(data, file_name, content_type)
        )

    async def file(self, id: uuid.UUID) -> tuple[DataOutputOrm, bytes]:
        output = await self.repos.data_output.get(id)
        data = await self.repos.data_output.file_data(id) if output.file_name is not None else None
        if data is None:
            raise NotFoundError(f"output {id} carries no file", entity="output_file", field="id")
        return output, data

    async def detach_file(self, id: uuid.UUID) -> DataOutputOrm:
        output = await self.repos.data_output.get(id)
        if output.file_name is None:
            raise NotFoundError(f"output {id} carries no file", entity="output_file", field="id")
        return await self.repos.data_output.remove_file(output)

    async def _check_call_of_run(self, call_id: Any, run_id: Any) -> None:
        """An output names a function call of its own run: a call of another run would tie the
        measurement to a step that run never took (the foreign key alone allows any call)."""
        if not await self.repos.protocol_run.has_call(run_id, call_id):
            raise InvalidReferenceError(
                f"function call {call_id} is not a call of protocol run {run_id}",
                entity="function_data_output",
                field="function_call_id",
                value=call_id,
            )

    async def create_wells(self, data: Mapping[str, Any]) -> list[DataOutputOrm]:
        """One numeric output per well from a flat array read row by row, in one INSERT
        (``create_many``). The plate format follows from the number of values; any other count is a
        422 on ``values``, as a count that fits no plate is a mistake, not a partial plate."""
        values = dict(data)
        readings = list(values.pop("values"))
        if len(readings) not in PLATE_FORMATS:
            raise InvalidValueError(
                f"{len(readings)} values fit no plate; a plate has {', '.join(map(str, PLATE_FORMATS))} wells",
                entity="function_data_output",
                field="values",
            )
        if values.get("function_call_id") is not None:
            await self._check_call_of_run(values["function_call_id"], values["protocol_run_id"])
        rows = [
            {**values, "data_type": DataType.NUMERIC, "numeric_value": reading, "well_name": well}
            for well, reading in zip(well_names(len(readings)), readings, strict=True)
        ]
        return await self.repository.create_many(rows)

    async def plate(self, run_id: uuid.UUID, name: str, *, resource_id: uuid.UUID | None = None) -> Plate:
        """The run's numeric outputs named ``name`` that have a well, as a plate grid (of one
        ``resource_id`` when given: a run may read several plates). A well recorded twice shows its
        latest value. 404 when the run, or any such output, does not exist."""
        await self.repos.protocol_run.get(run_id)
        filters: dict[str, Any] = {
            "protocol_run_id": run_id,
            "name": name,
            "data_type": DataType.NUMERIC,
            "well_name__isnull": False,
        }
        if resource_id is not None:
            filters["resource_id"] = resource_id
        outputs = await self.repos.data_output.list(filters, order_by="created_at")
        if not outputs:
            raise NotFoundError(
                f"protocol run {run_id} has no numeric well outputs named {name!r}",
                entity="function_data_output",
                field="name",
                value=name,
            )
        wells: dict[str, float] = {}
        for output in outputs:
            assert output.well_name is not None and output.numeric_value is not None
            wells[output.well_name.upper()] = output.numeric_value
        positions = {well: split_well(well) for well in wells}
        plate_ids = {output.resource_id for output in outputs}
        plate_id = resource_id or (plate_ids.pop() if len(plate_ids) == 1 else None)
        resource = await self.repos.resource.get_or_none(plate_id) if plate_id else None
        definition = (
            await self.repos.resource_definition.get_or_none(resource.resource_definition_id)
            if resource
            else None
        )
        row_count, columns = plate_geometry(definition)
        row_count = max(row_count, *(r + 1 for r, _ in positions.values()))
        columns = max(columns, *(c for _, c in positions.values()))
        grid: list[list[float | None]] = [[None] * columns for _ in range(row_count)]
        for well, (r, c) in positions.items():
            grid[r][c - 1] = wells[well]
        return Plate(
            protocol_run_id=run_id,
            name=name,
            unit=outputs[-1].unit,
            resource_id=resource_id,
            rows=[row_label(r) for r in range(row_count)],
            columns=columns,
            wells=wells,
            grid=grid,
            min_value=min(wells.values()),
            max_value=max(wells.values()),
            measured_at=max((o.measured_at for o in outputs if o.measured_at is not None), default=None),
        )
