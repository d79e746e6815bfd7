"""The OpenAPI document is read by people: every field of every schema, and every parameter, says
what it is. A field added without words fails here, named, until it gets some (in its model's
``Field(description=...)`` or in ``praxis.backend.api.field_docs``)."""

from __future__ import annotations

from typing import Any

from praxis.backend.api.app import create_app

DOCUMENT: dict[str, Any] = create_app().openapi()


def undescribed(document: dict[str, Any]) -> list[str]:
    """Each schema property and operation parameter without a description, by name."""
    missing = [
        f"{schema_name}.{field}"
        for schema_name, schema in document["components"]["schemas"].items()
        for field, field_schema in schema.get("properties", {}).items()
        if not field_schema.get("description")
    ]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if not (parameter.get("description") or parameter.get("schema", {}).get("description")):
                    missing.append(f"{method.upper()} {path} {parameter['in']} parameter {parameter['name']}")
    return missing


def test_every_schema_field_and_parameter_is_described() -> None:
    missing = undescribed(DOCUMENT)
    assert not missing, f"{len(missing)} without a description: " + ", ".join(missing)


def test_the_walk_sees_request_response_error_and_query_fields() -> None:
    """The check above could pass by walking nothing: it reaches the bodies, the error body and the
    list parameters."""
    schemas = DOCUMENT["components"]["schemas"]
    for name in ("DeckCreate", "DeckRead", "ErrorBody"):
        assert schemas[name]["properties"]
    parameters = {p["name"] for p in DOCUMENT["paths"]["/api/v1/decks"]["get"]["parameters"]}
    assert {"limit", "offset", "order_by", "machine_id"} <= parameters
    bare = {"components": {"schemas": {"X": {"properties": {"y": {"type": "string"}}}}}, "paths": {}}
    assert undescribed(bare) == ["X.y"]


def test_fqn_is_explained_with_an_example_where_it_is_required() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    for name in ("MachineCreate", "DeckDefinitionCreate", "ResourceDefinitionCreate"):
        assert "fqn" in schemas[name]["required"]
        words = schemas[name]["properties"]["fqn"]["description"]
        assert "pylabrobot.liquid_handling.LiquidHandler" in words
        assert "PyLabRobot" in words
