"""The bases every API schema shares: request bodies, reads, updates, list paging, the error body."""

from __future__ import annotations

import uuid
from datetime import datetime
from types import UnionType
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from praxis.backend.models.schemas.fields import NO_NUL_PATTERN, no_nul


def _json_kinds(annotation: Any) -> set[type]:
    """The plain types a field's annotation admits, through ``Annotated``, unions and ``None``."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _json_kinds(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return set().union(*(_json_kinds(arg) for arg in get_args(annotation)))
    return {annotation} if isinstance(annotation, type) else {object}


class Schema(BaseModel):
    """Request bodies refuse unknown fields: a typo is a 422, not a silently ignored change.

    They also take each JSON type only where the document names it: pydantic's lax mode would read
    ``0`` as ``false``, ``false`` as ``0.0`` and ``"1"`` as ``1``, which the OpenAPI document (and so
    a client or a fuzzer reading it) says is refused.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _json_type_as_documented(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or info.field_name is None:
            return value
        kinds = _json_kinds(cls.model_fields[info.field_name].annotation) - {type(None)}
        if kinds == {bool} and not isinstance(value, bool):
            raise ValueError("must be a boolean (true or false)")
        if (
            kinds
            and kinds <= {int, float}
            and (isinstance(value, bool) or not isinstance(value, int | float))
        ):
            raise ValueError("must be a number" if float in kinds else "must be an integer")
        return value


CHOSEN_ID_DESCRIPTION = (
    "The new row's id, when the client chooses it (any UUID: one it has already recorded elsewhere, "
    "or one it makes to retry a create safely). Left out, the server assigns a new time-ordered UUID "
    "(version 7). An id already taken in this collection is refused with 409 (`code: conflict`, "
    "`field: accession_id`), and nothing is written."
)


class CreateSchema(Schema):
    """A create's body: the new row's fields, and optionally its id (``accession_id``)."""

    accession_id: uuid.UUID | None = Field(default=None, description=CHOSEN_ID_DESCRIPTION)


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

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The document says what the validator above enforces: ``null`` only where it is allowed."""
        json_schema = handler(core_schema)
        target = handler.resolve_ref_schema(json_schema)
        for name, field_schema in target.get("properties", {}).items():
            if name in cls.nullable:
                continue
            variants = field_schema.get("anyOf")
            if variants is None:
                continue
            kept = [variant for variant in variants if variant.get("type") != "null"]
            if len(kept) == 1:
                field_schema.pop("anyOf")
                field_schema.update(kept[0])
            else:
                field_schema["anyOf"] = kept
        return json_schema


class VersionedUpdate(UpdateSchema):
    version: int | None = Field(
        default=None,
        ge=1,
        description="The version you read; a stale one is refused with 409 and changes nothing.",
    )


def TextFilter(*, max_length: int, description: str | None = None) -> Any:
    """A text filter of a list query: the document says U+0000 is refused, as the validator below does."""
    return Field(
        default=None,
        max_length=max_length,
        description=description,
        json_schema_extra={"pattern": NO_NUL_PATTERN},
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
        return no_nul(value) if isinstance(value, str) else value


class ErrorBody(BaseModel):
    """Every error the API returns has this shape."""

    detail: str
    code: str = Field(
        description="Machine-readable: not_found, conflict, invalid_reference, invalid_value, ..."
    )
    entity: str | None = None
    field: str | None = None
    errors: list[dict[str, Any]] | None = Field(default=None, description="Per-field problems of a 422")
