"""Function data outputs: what a run measured, with its value in the column its data type names."""

from __future__ import annotations

from typing import Any

from praxis.backend.errors import InvalidReferenceError, InvalidValueError
from praxis.backend.models.orm import DataType, FunctionDataOutputOrm
from praxis.backend.services.base import CrudService

VALUE_FIELD = {DataType.NUMERIC: "numeric_value", DataType.JSON: "json_value", DataType.TEXT: "text_value"}


class OutputService(CrudService[FunctionDataOutputOrm]):
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
