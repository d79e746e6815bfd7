"""Function data outputs: what a run measured, with its value in the column its data type names."""

from __future__ import annotations

import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from praxis.backend.errors import InvalidReferenceError, InvalidValueError, NotFoundError
from praxis.backend.models.orm import DataOutputOrm, DataType
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


def split_well(well: str) -> tuple[int, int]:
    """``"B7"`` -> (1, 7): zero-based row, one-based column."""
    letters = well.rstrip(string.digits)
    return row_index(letters), int(well[len(letters) :])


def well_names(count: int) -> list[str]:
    """The wells of a ``count``-well plate in reading order (A1, A2, ..., then B1, ...)."""
    rows, columns = PLATE_FORMATS[count]
    return [f"{row_label(r)}{c}" for r in range(rows) for c in range(1, columns + 1)]


@dataclass(frozen=True)
class Plate:
    """A run's well values of one name, laid out on the smallest standard plate that holds them; the
    API answers it as it is (``GET /protocols/runs/{id}/outputs/plate``). ``rows`` are the row letters,
    ``grid`` one list per row (``null`` for a well with no value), ``wells`` the same values by name."""

    protocol_run_id: uuid.UUID
    name: str
    unit: str | None
    resource_id: uuid.UUID | None
    rows: list[str]
    columns: int
    wells: dict[str, float]
    grid: list[list[float | None]]


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
        need_rows = max(r for r, _ in positions.values()) + 1
        need_columns = max(c for _, c in positions.values())
        fits = [
            fmt for fmt in sorted(PLATE_FORMATS.values()) if fmt[0] >= need_rows and fmt[1] >= need_columns
        ]
        row_count, columns = fits[0] if fits else (need_rows, need_columns)
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
        )
