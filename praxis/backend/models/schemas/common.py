"""Pieces every API schema shares: limits on sizes, the read base, list paging, the error body."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

MAX_JSON_BYTES = 64 * 1024


NUL_MESSAGE = "may not contain the NUL character (U+0000), which the database cannot store"


def _has_nul(value: Any) -> bool:
    """Whether a string, or any key or string inside a JSON value, holds U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


def _no_nul(value: str) -> str:
    """PostgreSQL text cannot hold U+0000; refused here, as a 422 on the field that carries it,
    rather than as a database error (or, in a file path, a crash) further in."""
    if "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value


def _json_within_limit(value: Any) -> Any:
    size = len(json.dumps(value, separators=(",", ":"), default=str).encode())
    if size > MAX_JSON_BYTES:
        raise ValueError(f"JSON value is {size} bytes; at most {MAX_JSON_BYTES} are allowed")
    if _has_nul(value):
        raise ValueError(NUL_MESSAGE)  # JSONB cannot hold it either
    return value


def _as_utc(value: datetime) -> datetime:
    """A time without a zone is taken as UTC, which is how the database stores it; the response then
    says what is stored instead of echoing a zoneless time back."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), AfterValidator(_no_nul)
]
Fqn = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), AfterValidator(_no_nul)
]
Text = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_no_nul)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_no_nul)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_json_within_limit)]
JsonValue = Annotated[Any, AfterValidator(_json_within_limit)]
Millimetres = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class Schema(BaseModel):
    """Request bodies refuse unknown fields: a typo is a 422, not a silently ignored change."""

    model_config = ConfigDict(extra="forbid")


class ReadSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    accession_id: uuid.UUID
    created_at: datetime
    updated_at: datetime


class VersionedRead(ReadSchema):
    version: int = Field(description="Increases with every change; send it back to update safely.")


class UpdateSchema(Schema):
    """A partial update: a field left out stays as it is, and ``null`` clears only what may be empty.

    Every field of an update is optional so that it can be left out, which would also let an explicit
    ``null`` through to a column that must have a value; the database would then refuse it under the
    column's own name (``parent_machine_id`` for a deck's ``machine_id``). Here it is a 422 naming the
    API field instead, before anything is written.
    """

    #: fields a client may set to null (clearing a description, taking a machine out of its workcell)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _null_only_where_allowed(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("may be left out, but not set to null")
        return value


class VersionedUpdate(UpdateSchema):
    version: int | None = Field(
        default=None,
        ge=1,
        description="The version you read; a stale one is refused with 409 and changes nothing.",
    )


class ListQuery(BaseModel):
    """Paging and ordering shared by every list endpoint."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=500, description="At most 500 rows per page.")
    offset: int = Field(default=0, ge=0, le=10_000_000)
    order_by: str = Field(
        default="created_at", max_length=64, description="A field name; prefix - for descending."
    )

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_in_text(cls, value: Any) -> Any:
        """A filter with U+0000 would reach the database in a query, which refuses it outright."""
        return _no_nul(value) if isinstance(value, str) else value


class ErrorBody(BaseModel):
    """Every error the API returns has this shape."""

    detail: str
    code: str = Field(
        description="Machine-readable: not_found, conflict, invalid_reference, invalid_value, ..."
    )
    entity: str | None = None
    field: str | None = None
    errors: list[dict[str, Any]] | None = Field(default=None, description="Per-field problems of a 422")
