"""The JSON fields' limits as the fuzzers learn them: stated in the document beside each open schema
(``x-json-limits``), and applied to generated bodies by ``tests.harness.schemathesis_hooks``.

An open field without its limits would be fuzzed past them; limits the hooks misread would make the
server refuse a body the fuzzer takes for valid. Both are checked here against the server itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from praxis.backend.api.app import create_app
from praxis.backend.models.schemas.fields import JSON_LIMITS, JSON_LIMITS_KEY, MAX_JSON_BYTES, MAX_JSON_DEPTH
from tests.api.helpers import API, assert_validation_error
from tests.harness.schemathesis_hooks import within_limits, within_schema_limits

DOCUMENT: dict[str, Any] = create_app().openapi()


def nested(depth: int) -> Any:
    value: Any = "\x00deepest"
    for _ in range(depth):
        value = {"level\x00": [value]}
    return value


def request_schemas() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema node that a request body can reach, with where it is."""
    stack: list[tuple[str, Any]] = []
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                stack.append((f"{method.upper()} {path}", body["schema"]))
    seen: set[str] = set()
    while stack:
        where, schema = stack.pop()
        if not isinstance(schema, dict):
            continue
        reference = schema.get("$ref")
        if reference is not None:
            if reference not in seen:
                seen.add(reference)
                stack.append((reference, DOCUMENT["components"]["schemas"][reference.rsplit("/", 1)[-1]]))
            continue
        yield where, schema
        for name, inner in schema.get("properties", {}).items():
            stack.append((f"{where}.{name}", inner))
        for inner in [schema.get("items"), *schema.get("anyOf", []), *schema.get("oneOf", [])]:
            stack.append((where, inner))


def is_open(schema: dict[str, Any]) -> bool:
    """A schema that takes any JSON value, or an object with any members."""
    if schema.get("additionalProperties") is True:
        return True
    return not ({"type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const"} & set(schema))


def test_every_open_field_of_a_request_states_the_servers_limits() -> None:
    open_fields = [(where, schema) for where, schema in request_schemas() if is_open(schema)]

    assert len(open_fields) >= 20  # every collection's JSON fields, and the call logs' return values
    for where, schema in open_fields:
        assert schema.get(JSON_LIMITS_KEY) == JSON_LIMITS, where
        assert f"{MAX_JSON_DEPTH} levels" in schema["description"], where
        assert f"{MAX_JSON_BYTES} bytes" in schema["description"], where
        assert "U+0000" in schema["description"], where


def test_within_limits_keeps_what_is_within_them() -> None:
    value = {"a": [1, 2.5, {"b": None, "c": True}], "d": "text"}

    assert within_limits(value, JSON_LIMITS) == value


def test_within_limits_takes_out_nul_cuts_deep_nesting_and_empties_what_is_too_large() -> None:
    assert within_limits({"k\x00ey": ["v\x00al"]}, JSON_LIMITS) == {"key": ["val"]}
    cut = within_limits(nested(40), JSON_LIMITS)
    depth = 0
    while isinstance(cut, dict | list):
        cut = cut["level"] if isinstance(cut, dict) else cut[0]
        depth += 1
    assert (depth, cut) == (MAX_JSON_DEPTH, None)
    assert within_limits({"big": "x" * MAX_JSON_BYTES}, JSON_LIMITS) == {}
    assert within_limits(["x" * MAX_JSON_BYTES], JSON_LIMITS) == []


async def test_a_body_beyond_the_limits_is_refused_and_accepted_once_the_hooks_bring_it_within(
    client: httpx.AsyncClient,
) -> None:
    operation = DOCUMENT["paths"][f"{API}/workcells"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    body = {"name": "hooked", "latest_state": {"plates": [nested(40), {"blank\x00": "x" * 10}]}}

    assert_validation_error(await client.post(f"{API}/workcells", json=body), "latest_state")
    within = within_schema_limits(body, schema, DOCUMENT)
    created = await client.post(f"{API}/workcells", json=within)

    assert created.status_code == 201, created.text
    assert created.json()["name"] == "hooked"
    assert created.json()["latest_state"] == within["latest_state"]
    assert within["latest_state"]["plates"][1] == {"blank": "x" * 10}
