"""What each field of the API's schemas means, for the people who read ``/openapi.json``.

A field's own ``Field(description=...)`` wins; these fill every field that has none, by field name
(``BY_NAME``) or, where one name means different things, by schema and field (``BY_SCHEMA``). The same
words describe the list endpoints' query parameters and the path ``{id}``s. Only descriptions are
added: types, limits and required fields stay exactly as the models make them.
``tests/api/test_openapi_descriptions.py`` names any field left without one.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FQN", "describe"]

#: what ``fqn`` means on machines, deck types and labware definitions
FQN = (
    "Fully qualified name of the PyLabRobot class (or labware factory function) this record stands "
    "for, as a dotted Python import path, e.g. `pylabrobot.liquid_handling.LiquidHandler` for a "
    "machine, `pylabrobot.resources.hamilton.STARLetDeck` for a deck type, "
    "`pylabrobot.resources.corning.plates.cor_96_wellplate_360uL_Fb` for labware. A run binds a "
    "protocol parameter typed with a PyLabRobot class to a machine or labware of its workcell whose "
    "fqn names that class, a subclass, or a function returning one, and builds the simulated object "
    "from it. Only names under `pylabrobot.` are ever imported; any other text is stored as given "
    "(and then binds to nothing). Set by the client; 1 to 500 characters."
)

_SERVER = "Set by the server."
_MM = "In millimetres (mm), from 0 to 100000; null: not known. Set by the client."
_POS_MM = (
    "In millimetres (mm) from the deck's origin, from -100000 to 100000; null: not known. Set by the client."
)

BY_NAME: dict[str, str] = {
    "accession_id": "The record's id: a UUID (version 7, time-ordered, when the server chooses it). "
    "Set by the server at create unless the client chose it.",
    "created_at": "When the record was created (RFC 3339, UTC). " + _SERVER,
    "updated_at": "When the record last changed (RFC 3339, UTC). " + _SERVER,
    "name": "A name for people, e.g. `STAR 1`; 1 to 255 characters, blank ends stripped. Set by the client.",
    "description": "Free text for people; null: none. Set by the client.",
    "fqn": FQN,
    "properties": 'Anything else the client keeps about it, as a JSON object (e.g. `{"lot": "A12"}`); '
    "the server stores it as given.",
    "size_x_mm": "Width (x) " + _MM,
    "size_y_mm": "Depth (y) " + _MM,
    "size_z_mm": "Height (z) " + _MM,
    "x_mm": "The position's x " + _POS_MM,
    "y_mm": "The position's y " + _POS_MM,
    "z_mm": "The position's z " + _POS_MM,
    "status": "Its state (one of the values listed); see the entity's status rules. Set by the client, "
    "and by the server as work proceeds.",
    "status_details": "Why it is in its status (free text); null: nothing said.",
    "workcell_id": "The workcell (UUID) it belongs to; null: none.",
    "machine_id": "The machine (UUID) it belongs to or was measured on; null: none.",
    "deck_id": "The deck (UUID) it sits on or was measured on; null: none.",
    "resource_id": "The labware (UUID) it concerns; null: none.",
    "parent_id": "The labware (UUID) it sits on, e.g. the carrier holding a plate; null: none. "
    "Set by the client.",
    "position_name": "Where it sits: a position name of its deck's type (e.g. `A1` or `rail 3`) or a "
    "free-form slot on its parent; null when placed nowhere. Set by the client.",
    "deck_definition_id": "The deck type (UUID) of this deck. Set by the client.",
    "resource_definition_id": "The labware definition (UUID) this labware is an instance of. Set by the client.",
    "protocol_definition_id": "The protocol definition (UUID) the run executes. Set by the client.",
    "protocol_run_id": "The run (UUID) it belongs to. Set by the client.",
    "function_call_id": "The traced function call (UUID) of the same run that produced it; null: none.",
    "parent_function_call_log_id": "The call of the same run this one was made from; null: a top-level call.",
    "positioning_config": "How positions on this deck type are laid out, as a JSON object (free form, "
    "e.g. rail spacing); stored as given. Set by the client.",
    "positions": "The deck type's named positions (distinct names), each with its coordinates in mm.",
    "allowed_resource_categories": "The labware categories that may sit at this position; empty: any.",
    "category": "The kind of labware (plate, tip rack, carrier, ...). Set by the client.",
    "is_consumable": "Whether it is used up (tips, plates) rather than kept (carriers). Set by the client.",
    "nominal_volume_ul": "The volume a well or tube holds, in microlitres (µL), from 0 to 100000; null: "
    "not known. Set by the client.",
    "connection_info": "How to reach the machine (address, port, serial device...), as a JSON object; "
    "stored as given. Set by the client.",
    "latest_state": "The workcell's latest recorded state, as a JSON object; a run starts from it by "
    "default. Set by the client.",
    "allows_concurrent_runs": "Whether more than one run may be running on the workcell at once "
    "(false: a second start is refused with 409). Set by the client.",
    "version": "Increases with every change; send it back to update safely. Set by the server.",
    "data_type": "Which value field holds the output: `numeric` (numeric_value), `text` (text_value) "
    "or `json` (json_value); a file may be attached to any output (PUT .../file). Set by the client.",
    "numeric_value": "The measured number, in `unit`; null unless data_type is numeric.",
    "text_value": "The text value; null unless data_type is text.",
    "unit": "The unit of the value, as text, e.g. `OD600`, `RFU`, `uL`; null: none. Set by the client.",
    "well_name": "The well it was measured in, e.g. `A1` or `H12`; null: not a well's value.",
    "measured_at": "When it was measured (RFC 3339; a time without a zone is taken as UTC); null: not "
    "known. Set by the client.",
    "measurement_conditions": "The conditions of the measurement (wavelength, temperature, gain, ...) "
    "as a JSON object. Set by the client.",
    "spatial_context": "Where it was measured, beyond the well, as a JSON object. Set by the client.",
    "data_quality_score": "How far the value is trusted: 0 (untrusted) to 1 (fully); null: not rated.",
    "function_name": "The Python function's name, e.g. `aspirate`.",
    "arguments": "The call's arguments by parameter name, as JSON (described, not the objects).",
    "error_message": "Why it failed; null unless it failed.",
    "error_traceback": "The Python traceback of the failure, as text; null: none.",
    "started_at": "When it started (RFC 3339, UTC); null: not yet.",
    "ended_at": "When it ended (RFC 3339, UTC); null: not yet.",
    "completed_at": "When the run reached a final status (RFC 3339, UTC); null: not yet. Set by the server.",
    "queued_at": "When the run was queued for a worker (RFC 3339, UTC); null: never. Set by the server.",
    "duration_ms": "How long it took, in milliseconds; null until it ends. Set by the server.",
    "sequence": "The call's place in its run's order of calls (from 1). Set by the server.",
    "children": "The calls made from inside this one, in order.",
    "function_calls": "The run's traced function calls, in order. Set by the server as the run executes.",
    "input_parameters": "The values of the protocol's parameters, by parameter name (JSON). Set by the client.",
    "output_data": "What the run produced, as a JSON object. Set when the run completes.",
    "control_request": "A pause, resume or cancel the client asked for and the worker has not yet acted "
    "on; null: none. Set by the server.",
    "simulation": "Whether the run uses simulated machines (PyLabRobot's chatterbox backends).",
    "time_limit_seconds": "Wall-clock seconds the protocol may execute; null: the worker's default.",
    "initial_state_json": "The workcell's state as the run started; null: not started. Set at start.",
    "final_state_json": "The workcell's state as the run ended; null: not ended. Set at the end.",
    "data_directory_path": "Where the run writes its files (a path on the server); null: none.",
    "previous_accession_id": "The run this one resumes; null: none.",
    "module_name": "The Python module the protocol function is in, e.g. `protocols.transfer`.",
    "source_file_path": "The file the protocol was discovered in (a path on the server).",
    "source_hash": "A hash of the protocol's source, to tell versions apart.",
    "source_root_path": "The protocol root directory it was discovered under (a path on the server).",
    "source_repository_url": "The git repository it was discovered in; null: not from git.",
    "source_ref": "The branch or tag checked out when it was discovered; null: not from git.",
    "source_kind": "Where it was discovered: git or file_system; null: stored by hand.",
    "commit_hash": "The git commit (40 or 64 hex digits) it was discovered at; null: not from git.",
    "is_inferred": "Whether its parameters were inferred from the function's signature. Set by the server.",
    "parameters": "The protocol's parameters: JSON objects, each with a distinct `name` (and e.g. "
    "`type_hint`, `default`).",
    "required_assets": "The machines and labware the protocol needs: JSON objects, each with a distinct "
    "`name` and a `type_hint` naming a PyLabRobot class (matched against machines' and labware's fqn).",
    "definitions": "The protocol definitions discovered (created or already stored).",
    "errors": "The modules that could not be read, each with its path and the error.",
    "path": "The module's file path on the server.",
    "error": "What went wrong reading it.",
    "values": "One number per well, row by row (A1, A2, ..., A12, B1, ...); 6 to 1536 values.",
    "limit": "How many rows to return: 1 to 500.",
    "offset": "How many rows to skip before the first returned: 0 to 10000000.",
    "order_by": "A field name; prefix - for descending.",
    "id": "The record's id (its accession_id, a UUID).",
    "call_id": "The function call's id (its accession_id, a UUID).",
}

BY_SCHEMA: dict[tuple[str, str], str] = {
    ("ErrorBody", "detail"): "What went wrong, in words for people.",
    ("ErrorBody", "entity"): "The kind of record concerned (e.g. `deck`); null: none in particular.",
    ("ErrorBody", "field"): "The API field at fault (e.g. `machine_id`); null: none in particular.",
    ("Health", "status"): "`ok` when Praxis answers.",
    ("Health", "database"): "`ok` when the database answers at the schema this Praxis needs.",
    ("Health", "revision"): "The database schema's Alembic revision (the one this Praxis needs).",
    ("Location", "kind"): "`deck`: on a deck position; `resource`: on other labware.",
    ("Plate", "name"): "The outputs' name (all the wells read under it).",
    ("Plate", "rows"): "The plate's row letters, e.g. `A` to `H`.",
    ("Plate", "columns"): "How many columns the plate has.",
    ("Plate", "wells"): "The values by well name.",
    ("Plate", "grid"): "One list per row of the values by column; null for a well with no value.",
    ("Plate", "min_value"): "The lowest value.",
    ("Plate", "max_value"): "The highest value.",
    ("Plate", "measured_at"): "The latest measurement time among the wells; null: not known.",
    ("ProtocolDefinitionCreate", "version"): "The protocol's version, e.g. `0.1.0`; with fqn it names "
    "one definition. Set by the client.",
    ("ProtocolDefinitionRead", "version"): "The protocol's version, e.g. `0.1.0`; with fqn it names "
    "one definition.",
    ("ProtocolDefinitionCreate", "name"): "The protocol's name for people. Set by the client.",
    ("ProtocolDefinitionCreate", "fqn"): "The protocol function's fully qualified name: its module and "
    "function, e.g. `protocols.transfer.transfer_samples`; with version it names one definition.",
    ("ProtocolDefinitionRead", "fqn"): "The protocol function's fully qualified name: its module and "
    "function, e.g. `protocols.transfer.transfer_samples`; with version it names one definition.",
    ("FunctionCallRead", "fqn"): "The called function's fully qualified name (module and qualified "
    "name), e.g. `pylabrobot.liquid_handling.LiquidHandler.aspirate`. Set by the server.",
    ("FunctionCallNode", "fqn"): "The called function's fully qualified name (module and qualified "
    "name), e.g. `pylabrobot.liquid_handling.LiquidHandler.aspirate`. Set by the server.",
    ("ProtocolRunRead", "name"): "The run's name; defaults to the protocol's name.",
    ("ProtocolRunRead", "status"): "Where the run is in its life (queued, running, completed, ...). "
    "Set by the server through the transition routes.",
    ("DeckRead", "machine_id"): "The machine the deck is mounted in. Set by the client.",
    ("DeckRead", "workcell_id"): "The workcell the deck is in: its machine's unless the client named "
    "another; follows the machine when the machine moves. Null: none.",
    ("DeckUpdate", "workcell_id"): "Moves the deck to this workcell; null takes it out of its workcell. "
    "Left out when machine_id changes: the new machine's workcell.",
    ("DeckUpdate", "machine_id"): "The machine the deck is mounted in.",
    ("MachineCreate", "workcell_id"): "The workcell (UUID) the machine is in; null: none. Its decks "
    "are in it too.",
    ("MachineUpdate", "workcell_id"): "Moves the machine to this workcell (null: out of any); its "
    "decks in the old workcell move with it.",
    ("MachineRead", "workcell_id"): "The workcell (UUID) the machine is in; null: none.",
    ("MachineRead", "status_details"): "Why it is in its status (offline, error); null: nothing said.",
    ("ResourceRead", "status_details"): "Why it is in its status (error); null: nothing said.",
    ("ProtocolRunRead", "status_details"): "Why the run is in its status (e.g. the reason for a pause); "
    "null: nothing said. Set by the server from the client's reason.",
    ("ProtocolRunCreate", "workcell_id"): "The workcell (UUID) the run executes on; its machines and "
    "labware are bound to the protocol's parameters. Null: none.",
    ("ProtocolRunRead", "workcell_id"): "The workcell (UUID) the run executes on; null: none.",
    ("ProtocolRunUpdate", "name"): "The run's name.",
    ("WellOutputsCreate", "name"): "The name every well's output is stored under, e.g. `OD600`.",
    ("WorkcellCreate", "status"): "The workcell's state (one of the values listed). Set by the client.",
}

_RESOURCE_WORKCELL = (
    "The workcell (UUID) the labware is in; null: none. Labware placed on a deck takes the deck's "
    "workcell (as a deck takes its machine's) unless the same request names one, and follows the deck "
    "when the deck changes workcell. Set by the client or, on a deck, by the server."
)
for _schema in ("ResourceCreate", "ResourceUpdate", "ResourceRead"):
    BY_SCHEMA[(_schema, "workcell_id")] = _RESOURCE_WORKCELL
for _schema in ("ResourceCreate", "ResourceUpdate", "ResourceRead", "Location"):
    BY_SCHEMA[(_schema, "deck_id")] = "The deck (UUID) it sits on, at position_name; null: not on a deck."


def _words(schema: str, field: str) -> str | None:
    return BY_SCHEMA.get((schema, field)) or BY_NAME.get(field)


def describe(document: dict[str, Any]) -> None:
    """Give every schema property and operation parameter without a description its words."""
    for schema_name, schema in document.get("components", {}).get("schemas", {}).items():
        for field, field_schema in schema.get("properties", {}).items():
            if not field_schema.get("description"):
                words = _words(schema_name, field)
                if words is not None:
                    field_schema["description"] = words
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("description") or parameter.get("schema", {}).get("description"):
                    continue
                words = _parameter_words(parameter)
                if words is not None:
                    parameter["description"] = words


def _parameter_words(parameter: dict[str, Any]) -> str | None:
    name = parameter["name"]
    if parameter.get("in") == "query" and name not in {"limit", "offset", "order_by"}:
        if name == "fqn":
            return "Only records whose fqn is exactly this."
        return f"Only records whose {name} is this."
    return BY_NAME.get(name)
