from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from praxis.backend.models.orm import DataType
from praxis.backend.models.schemas.common import (
    CreateSchema,
    ListQuery,
    Schema,
    TextFilter,
    VersionedRead,
    VersionedUpdate,
)
from praxis.backend.models.schemas.fields import JsonObject, JsonValue, Name, ShortText, Text, UtcDatetime

WellName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{1,2}[0-9]{1,3}$", max_length=16)]
QualityScore = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class DataOutputCreate(CreateSchema):
    protocol_run_id: uuid.UUID
    name: Name
    data_type: DataType = DataType.NUMERIC
    numeric_value: float | None = Field(default=None, allow_inf_nan=False)
    json_value: JsonValue = None
    text_value: Text | None = None
    unit: ShortText | None = None
    spatial_context: JsonObject = Field(default_factory=dict)
    well_name: WellName | None = None
    measured_at: UtcDatetime | None = None
    measurement_conditions: JsonObject = Field(default_factory=dict)  # wavelength, temperature, gain, ...
    data_quality_score: QualityScore | None = Field(default=None, description="0 (untrusted) to 1 (fully).")
    function_call_id: uuid.UUID | None = None
    resource_id: uuid.UUID | None = None
    machine_id: uuid.UUID | None = None
    deck_id: uuid.UUID | None = None


class WellOutputsCreate(Schema):
    """A plate read as one flat array, row by row (A1, A2, ..., A12, B1, ...): one numeric output per
    well, all stored by one INSERT. The plate's format follows from the number of values (6, 12, 24,
    48, 96, 384 or 1536 wells); the other fields apply to every well."""

    protocol_run_id: uuid.UUID
    name: Name
    values: list[Annotated[float, Field(allow_inf_nan=False)]] = Field(min_length=1, max_length=1536)
    unit: ShortText | None = None
    spatial_context: JsonObject = Field(default_factory=dict)
    measured_at: UtcDatetime | None = None
    measurement_conditions: JsonObject = Field(default_factory=dict)
    data_quality_score: QualityScore | None = None
    function_call_id: uuid.UUID | None = None
    resource_id: uuid.UUID | None = None
    machine_id: uuid.UUID | None = None
    deck_id: uuid.UUID | None = None


class DataOutputUpdate(VersionedUpdate):
    """A correction: a value (in the column of the output's data type: a numeric output's
    ``numeric_value``, a text one's ``text_value``; a JSON value is replaced by a new output), or what
    is known about it. Send the ``version`` you read: a correction made on a
    stale read is refused (409)."""

    nullable = frozenset({"unit", "well_name", "data_quality_score", "measured_at"})

    numeric_value: float | None = Field(default=None, allow_inf_nan=False)
    text_value: Text | None = None
    measured_at: UtcDatetime | None = None
    measurement_conditions: JsonObject | None = None
    name: Name | None = None
    unit: ShortText | None = None
    spatial_context: JsonObject | None = None
    well_name: WellName | None = None
    data_quality_score: QualityScore | None = None


class DataOutputRead(VersionedRead):
    protocol_run_id: uuid.UUID
    name: str
    data_type: DataType
    numeric_value: float | None
    json_value: Any = Field(description="Any JSON value, null included.")
    text_value: str | None
    unit: str | None
    spatial_context: dict
    well_name: str | None
    measured_at: datetime | None
    measurement_conditions: dict
    data_quality_score: float | None
    file_name: str | None = Field(
        description="The name of the file the output carries (PUT .../file); null: none."
    )
    file_content_type: str | None = Field(description="The file's media type, as it was attached.")
    file_size_bytes: int | None = Field(description="The file's size in bytes.")
    file_sha256: str | None = Field(description="The file's SHA-256, hex; also its ETag on GET .../file.")
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
