"""The field types of the API's bodies and their limits: names, text, JSON values, times.

Each type carries its validation and the JSON Schema the OpenAPI document shows for it, so the
document and the server agree field by field (limits table: ``praxis.backend.api.limits``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

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

#: what every JSON field's schema says of its limits, in words and (under ``JSON_LIMITS_KEY``) as data
JSON_LIMITS_TEXT = (
    f"at most {MAX_JSON_DEPTH} levels of nested objects and arrays, at most {MAX_JSON_BYTES} bytes "
    "serialised, finite numbers, no U+0000 in keys or strings"
)
JSON_DESCRIPTION = f"A JSON object: {JSON_LIMITS_TEXT}."
JSON_VALUE_DESCRIPTION = f"Any JSON value, null included: {JSON_LIMITS_TEXT}."
#: the document's extension that marks a JSON field and states its limits as data; generators ignore
#: it (an ``x-`` key), the fuzzers' hooks (``tests/harness/schemathesis_hooks.py``) read it
JSON_LIMITS_KEY = "x-json-limits"
JSON_LIMITS: dict[str, Any] = {"maxDepth": MAX_JSON_DEPTH, "maxBytes": MAX_JSON_BYTES, "allowsNul": False}


def rule_violation(message: str) -> PydanticCustomError:
    """An error for a rule the OpenAPI document cannot state (names distinct across a list, an end
    after its start): the API answers it with 409, keeping 422 for what the document does say."""
    # pydantic-core types the template LiteralString, as it formats it with the context; given no
    # context it is never formatted, so any message is safe
    return PydanticCustomError("rule_violation", message)  # pyright: ignore[reportArgumentType]


def no_nul(value: str) -> str:
    """PostgreSQL text cannot hold U+0000; refused here, as a 422 on the field that carries it,
    rather than as a database error (or, in a file path, a crash) further in."""
    if "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value


def _stripped_name(value: str) -> str:
    """A name keeps what is between its blank ends. Lengths are checked on the text as sent (as the
    OpenAPI document says), and a name of nothing but blanks is refused as the pattern says."""
    no_nul(value)
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


def json_object_schema(description: str = JSON_DESCRIPTION, **more: Any) -> dict[str, Any]:
    """A JSON field's schema: an open object, its limits in the description and under
    ``JSON_LIMITS_KEY``. Not a recursive schema of JSON values: that is exact, but generated clients
    break on it (openapi-python-client drops every operation using it, openapi-typescript's types
    do not compile, openapi-generator's do not validate), and the server checks the limits anyway."""
    return {
        "type": "object",
        "description": description,
        **more,
        "additionalProperties": True,
        JSON_LIMITS_KEY: JSON_LIMITS,
    }


@dataclass(frozen=True)
class _Bounded(GroupedMetadata):
    """A string's length limits, its check and its pattern, stated once: pydantic validates with them
    and the document shows the same numbers and pattern (the check is what the pattern says, in Python)."""

    min_length: int
    max_length: int
    check: Callable[[str], str]
    pattern: str

    def __iter__(self) -> Iterator[Any]:
        yield StringConstraints(min_length=self.min_length, max_length=self.max_length)
        yield AfterValidator(self.check)
        schema: dict[str, Any] = {"type": "string", "maxLength": self.max_length, "pattern": self.pattern}
        if self.min_length:
            schema["minLength"] = self.min_length
        yield WithJsonSchema(schema)


Name = Annotated[str, _Bounded(1, 255, _stripped_name, NAME_PATTERN)]
Fqn = Annotated[str, _Bounded(1, 500, _stripped_name, NAME_PATTERN)]
Text = Annotated[str, _Bounded(0, 10_000, no_nul, NO_NUL_PATTERN)]
ShortText = Annotated[str, _Bounded(1, 64, no_nul, NO_NUL_PATTERN)]
JsonObject = Annotated[
    dict[str, Any], AfterValidator(_json_within_limit), WithJsonSchema(json_object_schema())
]
#: any JSON value, null included (so a field of it needs no ``| None``, which would make it an ``anyOf``)
JsonValue = Annotated[
    Any,
    AfterValidator(_json_within_limit),
    WithJsonSchema({"description": JSON_VALUE_DESCRIPTION, JSON_LIMITS_KEY: JSON_LIMITS}),
]
Millimetres = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
UtcDatetime = Annotated[datetime, BeforeValidator(_rfc3339), AfterValidator(_as_utc)]
