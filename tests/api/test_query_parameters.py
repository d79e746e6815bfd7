"""Every free-text query parameter says in the document what the API refuses in it (U+0000), so a
client generated from the document, and a fuzzer, never send what gets a 422 they could not foresee."""

from __future__ import annotations

from typing import Any

from praxis.backend.api.app import create_app
from praxis.backend.models.schemas.common import NO_NUL_PATTERN


def _free_text(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(o.get("type") == "string" and "format" not in o and "enum" not in o for o in options)


def _pattern(schema: dict[str, Any]) -> str | None:
    return next(
        (o["pattern"] for o in schema.get("anyOf", [schema]) if "pattern" in o), schema.get("pattern")
    )


def test_every_free_text_query_parameter_states_that_nul_is_refused() -> None:
    document = create_app().openapi()
    unstated = [
        f"{method.upper()} {path} ?{parameter['name']}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
        and _free_text(parameter["schema"])
        and _pattern(parameter["schema"]) is None
    ]

    assert unstated == [], f"free-text query parameters without the pattern {NO_NUL_PATTERN!r}"
