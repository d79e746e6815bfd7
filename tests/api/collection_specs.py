"""The nine CRUD collections as one table (``CollectionSpec`` rows), for the checks they must all pass
alike (``tests/api/common/``, and the live tier's). What only one collection does stays in
its own ``test_<collection>_api.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from praxis.backend.models.orm import ResourceCategory, RunStatus
from tests.api.bodies import (
    OT2,
    READER,
    SHAKER,
    STAR,
    STARLET,
    deck_body,
    deck_definition,
    definition_body,
    output_body,
    plate_type,
    resource_body,
    run_body,
)
from tests.api.collection_spec import CollectionSpec, Refusal, fixed
from tests.builders import Builders, unique_name


async def _workcell(repos: Builders) -> dict[str, Any]:
    return {"name": unique_name("bay")}


async def _machine(repos: Builders) -> dict[str, Any]:
    return {"name": unique_name("STAR"), "fqn": STAR}


async def _resource_definition(repos: Builders) -> dict[str, Any]:
    return plate_type(name=unique_name("plate type"))


async def _resource(repos: Builders) -> dict[str, Any]:
    return await resource_body(repos, name=unique_name("plate"))


async def _deck_definition(repos: Builders) -> dict[str, Any]:
    return deck_definition(name=unique_name("deck type"))


async def _deck(repos: Builders) -> dict[str, Any]:
    return await deck_body(repos, name=unique_name("deck"))


async def _protocol_definition(repos: Builders) -> dict[str, Any]:
    name = unique_name("serial_dilution").replace("-", "_")
    return definition_body(name=name, fqn=f"lab_protocols.dilution.{name}")


async def _protocol_run(repos: Builders) -> dict[str, Any]:
    return await run_body(repos, name=unique_name("run"))


async def _output(repos: Builders) -> dict[str, Any]:
    return await output_body(repos, name=unique_name("absorbance"))


async def _deck_onto_another_machine(repos: Builders) -> dict[str, Any]:
    return {"name": "renamed", "machine_id": str((await repos.machine.create()).accession_id)}


_MARCH_1 = datetime(2026, 3, 1, 10, 15, tzinfo=UTC)

WORKCELLS = CollectionSpec(
    id="workcells",
    path="workcells",
    body=_workcell,
    versioned=True,
    required=("name",),
    stray_field="colour",
    defaults={
        "status": "available",
        "latest_state": {},
        "allows_concurrent_runs": False,
        "description": None,
    },
    unique=("name",),
    enum_filters=("status",),
    keep={"name": "bay-1", "description": "keep me", "latest_state": {"door": "open"}},
    change={"status": "in_use"},
    stale_change=fixed({"name": "second"}),
    held_by={
        "machine": "machine.workcell_id",
        "resource": "resource.workcell_id",
        "deck": "deck.workcell_id",
        "protocol_run": "protocol_run.workcell_id",
    },
    invalid_creates=(
        Refusal("bool-wrong-type", {"allows_concurrent_runs": [1]}, "allows_concurrent_runs"),
        Refusal("unknown-status", {"status": "exploded"}, "status"),
        Refusal("state-not-object", {"latest_state": "not an object"}, "latest_state"),
        Refusal("nul-in-state", {"latest_state": {"note": "a\u0000b"}}, "latest_state"),
    ),
    invalid_updates=(Refusal("unknown-status", {"status": "exploded"}, "status"),),
)

MACHINES = CollectionSpec(
    id="machines",
    path="machines",
    body=_machine,
    versioned=True,
    required=("name", "fqn"),
    stray_field="serial",
    defaults={"workcell_id": None, "status": "available", "status_details": None, "connection_info": {}},
    unique=("name",),
    references=("workcell_id",),
    movable_references=("workcell_id",),
    id_filters=("workcell_id",),
    enum_filters=("status",),
    orderings={"fqn": (SHAKER, STAR, READER)},
    keep={"name": "STAR-1", "description": "left bench"},
    change={"status": "offline", "status_details": "unplugged for cleaning", "connection_info": {"port": 2}},
    stale_change=fixed({"status": "in_use"}),
    held_by={"deck": "deck.machine_id"},
    invalid_creates=(
        Refusal("fqn-wrong-type", {"fqn": ["not", "a", "string"]}, "fqn"),
        Refusal("unknown-status", {"status": "on_fire"}, "status"),
        Refusal("workcell-id-not-uuid", {"workcell_id": "bay-1"}, "workcell_id"),
        Refusal("connection-info-not-object", {"connection_info": [1, 2]}, "connection_info"),
    ),
    invalid_updates=(
        Refusal("null-fqn", {"fqn": None}, "fqn"),
        Refusal("null-status", {"status": None}, "status"),
        Refusal("unknown-status", {"status": "on_fire"}, "status"),
    ),
)

RESOURCE_DEFINITIONS = CollectionSpec(
    id="resource-definitions",
    path="resources/definitions",
    body=_resource_definition,
    versioned=False,
    required=("name", "fqn"),
    stray_field="wells",
    defaults={"category": "other", "is_consumable": True, "size_x_mm": None, "properties": {}},
    unique=("name",),
    enum_filters=("category",),
    orderings={"category": (ResourceCategory.CARRIER, ResourceCategory.PLATE, ResourceCategory.TIP_RACK)},
    keep={"name": "plate", "description": "keep"},
    change={"nominal_volume_ul": 200, "size_z_mm": None},
    held_by={"resource": "resource.resource_definition_id"},
    invalid_creates=(
        Refusal("unknown-category", {"category": "spaceship"}, "category"),
        Refusal("negative-size", {"size_x_mm": -1}, "size_x_mm"),
        Refusal("size-wrong-type", {"size_x_mm": "wide"}, "size_x_mm"),
        Refusal("bool-wrong-type", {"is_consumable": "sometimes"}, "is_consumable"),
    ),
    invalid_updates=(Refusal("null-category", {"category": None}, "category"),),
)

RESOURCES = CollectionSpec(
    id="resources",
    path="resources",
    body=_resource,
    versioned=False,
    required=("name", "resource_definition_id"),
    stray_field="barcode",
    defaults={
        "status": "available",
        "status_details": None,
        "workcell_id": None,
        "parent_id": None,
        "deck_id": None,
        "location": None,
        "properties": {},
    },
    unique=("name",),
    references=("resource_definition_id", "workcell_id", "parent_id", "deck_id"),
    movable_references=("resource_definition_id", "workcell_id", "parent_id", "deck_id"),
    id_filters=("resource_definition_id", "workcell_id", "parent_id", "deck_id"),
    enum_filters=("status",),
    orderings={"position_name": ("1", "2", "3")},
    keep={"name": "plate", "properties": {"barcode": "P1"}},
    change={"status": "empty"},
    invalid_creates=(
        Refusal("unknown-status", {"status": "lost"}, "status"),
        Refusal("parent-wrong-type", {"parent_id": 7}, "parent_id"),
    ),
    invalid_updates=(
        Refusal("null-definition", {"resource_definition_id": None}, "resource_definition_id"),
        Refusal("unknown-status", {"status": "lost"}, "status"),
    ),
)

DECK_TYPES = CollectionSpec(
    id="deck-types",
    path="decks/types",
    body=_deck_definition,
    versioned=True,
    required=("name", "fqn"),
    stray_field="rails",
    defaults={"positions": [], "positioning_config": {}},
    unique=("name",),
    orderings={"fqn": (STARLET, OT2, "pylabrobot.resources.tecan.EVO150Deck")},
    keep={"name": "deck", "description": "keep"},
    change={"size_z_mm": 950},
    stale_change=fixed({"name": "renamed", "positions": [{"name": "x"}]}),
    held_by={"deck": "deck.deck_definition_id"},
    invalid_creates=(
        Refusal("negative-size", {"size_y_mm": -5}, "size_y_mm"),
        Refusal("position-without-name", {"positions": [{"x_mm": 1}]}, "positions.0.name"),
        Refusal(
            "unknown-category",
            {"positions": [{"name": "p", "allowed_resource_categories": ["spaceship"]}]},
            "positions.0.allowed_resource_categories.0",
        ),
        Refusal("position-unknown-field", {"positions": [{"name": "p", "slot": 1}]}, "positions.0.slot"),
        Refusal("positions-not-a-list", {"positions": "rail-1"}, "positions"),
        Refusal(
            "position-named-twice",
            {"positions": [{"name": "rail-1"}, {"name": "rail-1"}]},
            "positions",
            rule=True,
        ),
    ),
    invalid_updates=(
        Refusal("null-fqn", {"fqn": None}, "fqn"),
        Refusal("null-positions", {"positions": None}, "positions"),
        Refusal(
            "duplicate-position-names", {"positions": [{"name": "a"}, {"name": "a"}]}, "positions", rule=True
        ),
        Refusal("negative-size", {"size_x_mm": -1}, "size_x_mm"),
    ),
)

DECKS = CollectionSpec(
    id="decks",
    path="decks",
    body=_deck,
    versioned=True,
    required=("name", "machine_id", "deck_definition_id"),
    stray_field="colour",
    unique=("name",),
    references=("machine_id", "deck_definition_id", "workcell_id"),
    movable_references=("machine_id", "deck_definition_id", "workcell_id"),
    id_filters=("machine_id", "deck_definition_id", "workcell_id"),
    keep={"name": "deck", "description": "keep"},
    change={"properties": {"serial": "D-9"}},
    stale_change=_deck_onto_another_machine,
    invalid_creates=(
        Refusal("machine-id-not-uuid", {"machine_id": "STAR-1"}, "machine_id"),
        Refusal("machine-id-null", {"machine_id": None}, "machine_id"),
        Refusal("properties-not-object", {"properties": ["a"]}, "properties"),
        Refusal(
            "storage-name-is-not-api",
            {"parent_machine_id": "01a20e5a-0000-7000-8000-000000000000"},
            "parent_machine_id",
        ),
    ),
    invalid_updates=(
        Refusal("null-machine", {"machine_id": None}, "machine_id"),
        Refusal("null-deck-type", {"deck_definition_id": None}, "deck_definition_id"),
        Refusal(
            "storage-name-is-not-api",
            {"parent_machine_id": "01a20e5a-0000-7000-8000-000000000000"},
            "parent_machine_id",
        ),
    ),
)

PROTOCOL_DEFINITIONS = CollectionSpec(
    id="protocol-definitions",
    path="protocols/definitions",
    body=_protocol_definition,
    versioned=False,
    required=("name", "fqn"),
    stray_field="author",
    defaults={"version": "0.1.0", "parameters": [], "required_assets": []},
    unique=("fqn", "version"),
    orderings={
        "fqn": ("lab.dilution", "lab.mix", "lab.wash"),
        "version": ("1.0.0", "2.0.0", "3.0.0"),
    },
    keep={"version": "1.0.0"},
    change={"description": "Now with a better description."},
    held_by={"protocol_run": "protocol_run.protocol_definition_id"},
    invalid_creates=(
        Refusal("version-over-64", {"version": "9" * 65}, "version"),
        Refusal("version-wrong-type", {"version": 2}, "version"),
        Refusal("parameter-not-object", {"parameters": ["volume_ul"]}, "parameters.0"),
        Refusal("parameters-not-list", {"parameters": {"volume_ul": "float"}}, "parameters"),
        Refusal("parameter-without-name", {"parameters": [{"type_hint": "float"}]}, "parameters"),
        Refusal(
            "parameter-named-twice", {"parameters": [{"name": "v"}, {"name": "v"}]}, "parameters", rule=True
        ),
        Refusal("asset-with-empty-name", {"required_assets": [{"name": ""}]}, "required_assets"),
        Refusal("set-by-discovery-only", {"is_inferred": True}, "is_inferred"),
    ),
    invalid_updates=(
        Refusal("fqn-is-identity", {"fqn": "lab.renamed"}, "fqn"),
        Refusal("version-is-identity", {"version": "9.9.9"}, "version"),
        Refusal("null-parameters", {"parameters": None}, "parameters"),
        Refusal("parameter-without-name", {"parameters": [{"optional": True}]}, "parameters"),
    ),
)

PROTOCOL_RUNS = CollectionSpec(
    id="protocol-runs",
    path="protocols/runs",
    body=_protocol_run,
    versioned=True,
    required=("protocol_definition_id",),
    stray_field="priority",
    references=("protocol_definition_id", "workcell_id"),
    id_filters=("protocol_definition_id", "workcell_id", "previous_accession_id"),
    enum_filters=("status",),
    orderings={"status": (RunStatus.COMPLETED, RunStatus.PENDING, RunStatus.RUNNING)},
    keep={"status": RunStatus.RUNNING},
    change={"name": "plate 7"},
    invalid_creates=(
        Refusal("definition-not-uuid", {"protocol_definition_id": "dilution"}, "protocol_definition_id"),
        Refusal("parameters-not-object", {"input_parameters": [1, 2]}, "input_parameters"),
        Refusal("status-only-by-transition", {"status": "running"}, "status"),
        Refusal("timestamps-only-by-transition", {"started_at": "2026-01-01T00:00:00Z"}, "started_at"),
    ),
    invalid_updates=(
        Refusal("status-only-by-transition", {"status": "completed"}, "status"),
        Refusal("parameters-fixed-at-creation", {"input_parameters": {"volume_ul": 1}}, "input_parameters"),
    ),
)

OUTPUTS = CollectionSpec(
    id="outputs",
    path="outputs",
    body=_output,
    versioned=True,
    required=("protocol_run_id", "name"),
    stray_field="raw",
    references=("protocol_run_id", "resource_id", "machine_id", "deck_id", "function_call_id"),
    id_filters=("protocol_run_id", "resource_id", "machine_id", "deck_id"),
    enum_filters=("data_type",),
    orderings={
        "well_name": ("A1", "B2", "C3"),
        "measured_at": (_MARCH_1, _MARCH_1 + timedelta(hours=1), _MARCH_1 + timedelta(hours=2)),
    },
    keep={"name": "absorbance", "unit": "OD", "well_name": "A1", "numeric_value": 0.5},
    change={"well_name": "H12", "unit": None},
    invalid_creates=(
        Refusal("unknown-data-type", {"data_type": "image"}, "data_type"),
        Refusal("numeric-wrong-type", {"numeric_value": "high"}, "numeric_value"),
        Refusal("numeric-infinite", {"numeric_value": "inf"}, "numeric_value"),
        Refusal("bad-well-name", {"well_name": "not a well"}, "well_name"),
        Refusal("unit-over-64", {"unit": "u" * 65}, "unit"),
        Refusal("spatial-context-not-object", {"spatial_context": [1]}, "spatial_context"),
        Refusal("quality-over-one", {"data_quality_score": 1.5}, "data_quality_score"),
        Refusal("quality-negative", {"data_quality_score": -0.1}, "data_quality_score"),
    ),
    invalid_updates=(
        Refusal("value-in-another-column", {"text_value": "high"}, "text_value", rule=True),
        Refusal("value-not-cleared", {"numeric_value": None}, "numeric_value"),
        Refusal("type-is-fixed", {"data_type": "text"}, "data_type"),
        Refusal(
            "run-is-fixed", {"protocol_run_id": "01a20e5a-0000-7000-8000-000000000000"}, "protocol_run_id"
        ),
        Refusal("bad-well-name", {"well_name": "not a well"}, "well_name"),
    ),
)

COLLECTIONS: Final = (
    WORKCELLS,
    MACHINES,
    RESOURCE_DEFINITIONS,
    RESOURCES,
    DECK_TYPES,
    DECKS,
    PROTOCOL_DEFINITIONS,
    PROTOCOL_RUNS,
    OUTPUTS,
)
