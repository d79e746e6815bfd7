"""Pieces every API schema shares: limits on sizes, the read base, list paging, the error body."""

from __future__ import annotations

import json
import math
import re
import uuid
from datetime import UTC, datetime
from types import UnionType
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

MAX_JSON_BYTES = 64 * 1024
#: how deeply a JSON field may nest objects and arrays (the field's own object is level 1); far below
#: any recursion limit of the parser, the serialiser or the database, so depth is refused here, as a
#: 422 naming the field, before anything recursive sees the value
MAX_JSON_DEPTH = 32

NUL_MESSAGE = "may not contain the NUL character (U+0000), which the database cannot store"

#: the characters stripped from the ends of a name (Unicode White_Space), spelled so that the same
#: class works in a Python and an ECMAScript (OpenAPI) regular expression
WHITESPACE_CLASS = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
#: text without U+0000
NO_NUL_PATTERN = r"^[^\x00]*$"
#: text without U+0000 holding at least one character that is not whitespace
NAME_PATTERN = rf"^[^\x00]*[^\x00{WHITESPACE_CLASS}][^\x00]*$"

JSON_DESCRIPTION = (
    f"A JSON object: at most {MAX_JSON_DEPTH} levels of nested objects and arrays, at most "
    f"{MAX_JSON_BYTES} bytes serialised, finite numbers, no U+0000 in keys or strings."
)


def rule_violation(message: str) -> PydanticCustomError:
    """An error for a rule the OpenAPI document cannot state (names distinct across a list, an end
    after its start): the API answers it with 409, keeping 422 for what the document does say."""
    return PydanticCustomError("rule_violation", message)


def _no_nul(value: str) -> str:
    """PostgreSQL text cannot hold U+0000; refused here, as a 422 on the field that carries it,
    rather than as a database error (or, in a file path, a crash) further in."""
    if "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value


def _stripped_name(value: str) -> str:
    """A name keeps what is between its blank ends. Lengths are checked on the text as sent (as the
    OpenAPI document says), and a name of nothing but blanks is refused as the pattern says."""
    _no_nul(value)
    stripped = value.strip(WHITESPACE)
    if not stripped:
        raise ValueError("must hold a character that is not whitespace")
    return stripped


def _json_problem(value: Any) -> str | None:
    """What is wrong with a JSON value, walking it without recursion (so no depth can crash it)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            if depth > MAX_JSON_DEPTH:
                return f"nests objects and arrays more than {MAX_JSON_DEPTH} levels deep"
            if isinstance(item, dict):
                for key, inner in item.items():
                    if not isinstance(key, str):
                        return "has a key that is not a string"
                    if "\x00" in key:
                        return NUL_MESSAGE
                    stack.append((inner, depth + 1))
            else:
                stack.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, str):
            if "\x00" in item:
                return NUL_MESSAGE
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "holds a number too large for JSON (or not a number)"
        elif item is not None and not isinstance(item, bool | int):
            return f"holds a {type(item).__name__}, which is not a JSON value"
    return None


def _json_within_limit(value: Any) -> Any:
    problem = _json_problem(value)
    if problem is not None:
        raise ValueError(problem)
    size = len(json.dumps(value, separators=(",", ":")).encode())
    if size > MAX_JSON_BYTES:
        raise ValueError(f"JSON value is {size} bytes; at most {MAX_JSON_BYTES} are allowed")
    return value


def _as_utc(value: datetime) -> datetime:
    """A time without a zone is taken as UTC, which is how the database stores it; the response then
    says what is stored instead of echoing a zoneless time back. A time whose UTC instant falls
    outside the years 1 to 9999 cannot be represented (``0001-01-01T00:00:00+01:00``): refused here
    in plain words, not by the driver with its own."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise rule_violation("is outside the years 1 to 9999 once taken to UTC") from None
    return value


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$", re.ASCII)


def _rfc3339(value: Any) -> Any:
    """The document says ``date-time`` (RFC 3339, with its offset): a number, a bare date or a time
    without a zone would otherwise be read by pydantic's lenient parser and accepted."""
    if isinstance(value, str) and not RFC3339.match(value):
        raise ValueError("must be an RFC 3339 date-time with its offset, e.g. 2024-05-01T12:00:00Z")
    if not isinstance(value, str | datetime):
        raise ValueError("must be an RFC 3339 date-time string")
    return value


#: one recursive schema for every JSON value in a body; installed under components by the app
JSON_VALUE_SCHEMA: dict[str, Any] = {
    "description": "Any JSON value without U+0000 in its keys and strings.",
    "anyOf": [
        {"type": "null"},
        {"type": "boolean"},
        {"type": "number"},
        {"type": "string", "pattern": NO_NUL_PATTERN},
        {"type": "array", "items": {"$ref": "#/components/schemas/JsonValue"}},
        {
            "type": "object",
            "propertyNames": {"pattern": NO_NUL_PATTERN},
            "additionalProperties": {"$ref": "#/components/schemas/JsonValue"},
        },
    ],
}

Name = Annotated[
    str,
    Field(min_length=1, max_length=255),
    AfterValidator(_stripped_name),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 255, "pattern": NAME_PATTERN}),
]
Fqn = Annotated[
    str,
    Field(min_length=1, max_length=500),
    AfterValidator(_stripped_name),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 500, "pattern": NAME_PATTERN}),
]
Text = Annotated[
    str,
    StringConstraints(max_length=10_000),
    AfterValidator(_no_nul),
    WithJsonSchema({"type": "string", "maxLength": 10_000, "pattern": NO_NUL_PATTERN}),
]
ShortText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    AfterValidator(_no_nul),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 64, "pattern": NO_NUL_PATTERN}),
]
JsonObject = Annotated[
    dict[str, Any],
    AfterValidator(_json_within_limit),
    WithJsonSchema(
        {
            "type": "object",
            "description": JSON_DESCRIPTION,
            "propertyNames": {"pattern": NO_NUL_PATTERN},
            "additionalProperties": {"$ref": "#/components/schemas/JsonValue"},
        }
    ),
]
JsonValue = Annotated[
    Any,
    AfterValidator(_json_within_limit),
    WithJsonSchema({"$ref": "#/components/schemas/JsonValue", "description": JSON_DESCRIPTION}),
]
Millimetres = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
UtcDatetime = Annotated[datetime, BeforeValidator(_rfc3339), AfterValidator(_as_utc)]


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
