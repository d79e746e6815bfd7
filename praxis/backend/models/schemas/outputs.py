from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from praxis.backend.models.orm import DataType
from praxis.backend.models.schemas.common import (
    JsonObject,
    JsonValue,
    ListQuery,
    Name,
    ReadSchema,
    Schema,
    ShortText,
    Text,
    TextFilter,
    UpdateSchema,
    UtcDatetime,
)

WellName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{1,2}[0-9]{1,3}$", max_length=16)]


class DataOutputCreate(Schema):
    protocol_run_id: uuid.UUID
    name: Name
    data_type: DataType = DataType.NUMERIC
    numeric_value: float | None = Field(default=None, allow_inf_nan=False)
    json_value: JsonValue | None = None
    text_value: Text | None = None
    unit: ShortText | None = None
    spatial_context: JsonObject = Field(default_factory=dict)
    well_name: WellName | None = None
    measured_at: UtcDatetime | None = None
    function_call_id: uuid.UUID | None = None
    resource_id: uuid.UUID | None = None
    machine_id: uuid.UUID | None = None
    deck_id: uuid.UUID | None = None


class DataOutputUpdate(UpdateSchema):
    nullable = frozenset({"unit", "well_name"})

    name: Name | None = None
    unit: ShortText | None = None
    spatial_context: JsonObject | None = None
    well_name: WellName | None = None


class DataOutputRead(ReadSchema):
    protocol_run_id: uuid.UUID
    name: str
    data_type: DataType
    numeric_value: float | None
    json_value: Any | None
    text_value: str | None
    unit: str | None
    spatial_context: dict
    well_name: str | None
    measured_at: datetime | None
    function_call_id: uuid.UUID | None
    resource_id: uuid.UUID | None
    machine_id: uuid.UUID | None
    deck_id: uuid.UUID | None


class DataOutputQuery(ListQuery):
    name: str | None = TextFilter(max_length=255, description="Part of the name, any case.")
    protocol_run_id: uuid.UUID | None = None
    data_type: DataType | None = None
    resource_id: uuid.UUID | None = None
    machine_id: uuid.UUID | None = None
    deck_id: uuid.UUID | None = None
    well_name: str | None = TextFilter(max_length=16)
