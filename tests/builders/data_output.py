from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Unpack

from praxis.backend.db.base import Entity
from praxis.backend.models.orm import DataOutputOrm, DataType
from praxis.backend.repositories.data_output import DataOutputRepository
from tests.builders.base import Builder, Parent

if TYPE_CHECKING:
    from tests.builders.fields import DataOutputFields

_WELLS = [f"{row}{column}" for row in "ABCDEFGH" for column in range(1, 13)]


class DataOutputBuilder(Builder[DataOutputOrm, DataOutputRepository]):
    """An absorbance reading by default; ``data_type=DataType.JSON`` or ``TEXT`` gets a matching value."""

    repository_name = "data_output"

    parents = {
        "protocol_run": Parent("protocol_run", fk="protocol_run_id", relationship="protocol_run"),
        "function_call": Parent(
            "function_call_log", fk="function_call_id", relationship="function_call", create=False
        ),
        "resource": Parent("resource", fk="resource_id", relationship="resource", create=False),
        "machine": Parent("machine", fk="machine_id", relationship="machine", create=False),
        "deck": Parent("deck", fk="deck_id", relationship="deck", create=False),
    }
    _sequence = itertools.count()

    if TYPE_CHECKING:  # the fields it takes, for type checkers and editors: fields.py

        def build(self, **overrides: Unpack[DataOutputFields]) -> DataOutputOrm: ...
        async def create(self, **overrides: Unpack[DataOutputFields]) -> DataOutputOrm: ...
        async def create_batch(
            self, n: int, **overrides: Unpack[DataOutputFields]
        ) -> list[DataOutputOrm]: ...

    def defaults(self) -> dict[str, Any]:
        n = next(self._sequence)
        return {"name": "absorbance_600nm", "unit": "OD", "well_name": _WELLS[n % len(_WELLS)]}

    def consistent(self, values: dict[str, Any], parents: dict[str, Entity]) -> dict[str, Any]:
        data_type = DataType(values.setdefault("data_type", DataType.NUMERIC))
        if data_type is DataType.NUMERIC:
            values.setdefault("numeric_value", 0.42)
        elif data_type is DataType.JSON:
            values.setdefault("json_value", {"reading": 0.42})
        else:
            values.setdefault("text_value", "clear")
        return values
