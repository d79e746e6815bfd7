"""Schemathesis told the JSON fields' limits through its own hooks, not through the schema.

The document gives each JSON field an open schema (generated clients break on an exact, recursive
one) and states its limits in words and as data under ``x-json-limits``: nesting depth, serialised
size, no U+0000. A fuzzer reading only the schema would send valid-looking JSON beyond them, which the
server rightly refuses with 422, and then report the refusal of a "valid" request. These hooks bring
every generated body's JSON fields within the limits the document states: U+0000 taken out of keys
and strings, containers nested too deeply replaced by null, a value too large emptied.

What the schema itself says is never touched (a JSON object field stays an object, a neighbouring
field's violation stays as generated), so a case generated to break the schema still breaks it.

Used in-suite by importing this module (its hooks are global) and by the outside fuzzer through
``SCHEMATHESIS_HOOKS=tests.harness.schemathesis_hooks``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import schemathesis

from praxis.backend.models.schemas.fields import JSON_LIMITS_KEY

__all__ = ["CONFIG_FILE", "MODULE", "body_schema", "within_limits", "within_schema_limits"]

#: what ``SCHEMATHESIS_HOOKS`` names to load these hooks into schemathesis's command
MODULE = __name__
#: schemathesis's settings for Praxis (the statuses that reject invalid data), for both fuzzers
CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")


def within_limits(value: Any, limits: dict[str, Any]) -> Any:
    """``value`` brought within ``limits`` (``x-json-limits``), its top-level type kept."""
    value = _trimmed(value, limits, depth=1)
    if len(json.dumps(value, separators=(",", ":")).encode()) > limits["maxBytes"]:
        return type(value)() if isinstance(value, dict | list | str) else None
    return value


def _trimmed(value: Any, limits: dict[str, Any], depth: int) -> Any:
    if isinstance(value, dict | list) and depth > limits["maxDepth"]:
        return None
    if isinstance(value, dict):
        return {_text(key, limits): _trimmed(inner, limits, depth + 1) for key, inner in value.items()}
    if isinstance(value, list):
        return [_trimmed(inner, limits, depth + 1) for inner in value]
    if isinstance(value, str):
        return _text(value, limits)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _text(value: str, limits: dict[str, Any]) -> str:
    return value if limits["allowsNul"] else value.replace("\x00", "")


def within_schema_limits(value: Any, schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """``value`` with every JSON field that ``schema`` marks (through references, properties, array
    items and ``anyOf`` branches) brought within its limits; everything else as it was."""
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/"):
        target: Any = document
        for part in reference[2:].split("/"):
            target = target[part]
        return within_schema_limits(value, target, document)
    if JSON_LIMITS_KEY in schema:
        return within_limits(value, schema[JSON_LIMITS_KEY])
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        value = within_schema_limits(value, branch, document)
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        value = {
            key: within_schema_limits(inner, properties[key], document) if key in properties else inner
            for key, inner in value.items()
        }
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        value = [within_schema_limits(inner, schema["items"], document) for inner in value]
    return value


def body_schema(operation: Any) -> dict[str, Any] | None:
    """The JSON request body's schema of a schemathesis operation, as the document states it."""
    document = operation.schema.raw_schema
    request_body = document["paths"][operation.path][operation.method.lower()].get("requestBody", {})
    return request_body.get("content", {}).get("application/json", {}).get("schema")


def _body_within_limits(context: schemathesis.HookContext, body: Any) -> Any:
    operation = context.operation
    if operation is None or not isinstance(body, dict | list):
        return body
    schema = body_schema(operation)
    return body if schema is None else within_schema_limits(body, schema, operation.schema.raw_schema)


@schemathesis.hook
def map_body(context: schemathesis.HookContext, body: Any) -> Any:
    """Bodies drawn by the fuzzing phase and by ``as_strategy`` (the in-suite tests)."""
    return _body_within_limits(context, body)


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: Any) -> Any:
    """Cases built by the command's other phases (coverage), which ``map_body`` does not see."""
    case.body = _body_within_limits(context, case.body)
    return case
