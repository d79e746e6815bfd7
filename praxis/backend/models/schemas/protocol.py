from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, WithJsonSchema, field_validator

from praxis.backend.models.orm import CallStatus, RunControl, RunStatus, SourceKind
from praxis.backend.models.schemas.common import (
    CreateSchema,
    ListQuery,
    ReadSchema,
    Schema,
    TextFilter,
    UpdateSchema,
    VersionedRead,
    VersionedUpdate,
)
from praxis.backend.models.schemas.fields import (
    JSON_DESCRIPTION,
    JSON_VALUE_DESCRIPTION,
    NAME_PATTERN,
    WHITESPACE,
    Fqn,
    JsonObject,
    JsonValue,
    Name,
    ShortText,
    Text,
    UtcDatetime,
    json_object_schema,
    rule_violation,
)


def _named_once(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs pass their values by parameter name, so a parameter (or asset) without a name could never
    be given, and one named twice would be ambiguous: both are refused when the definition is stored."""
    seen: set[str] = set()
    for entry in entries:
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip(WHITESPACE):
            raise ValueError("every entry needs a non-empty string 'name'")
        if name in seen:
            raise rule_violation(f"{name!r} is listed twice; names must be distinct")
        seen.add(name)
    return entries


NamedEntry = Annotated[
    JsonObject,
    WithJsonSchema(
        json_object_schema(
            "An entry with its name (distinct within the list). " + JSON_DESCRIPTION,
            required=["name"],
            properties={"name": {"type": "string", "pattern": NAME_PATTERN}},
        )
    ),
]
NamedEntries = Annotated[list[NamedEntry], AfterValidator(_named_once)]
#: a git object name: SHA-1 (40 hex digits) or SHA-256 (64)
CommitHash = Annotated[str, StringConstraints(pattern=r"^([0-9a-f]{40}|[0-9a-f]{64})$")]


class ProtocolDefinitionCreate(CreateSchema):
    name: Name
    fqn: Fqn
    version: ShortText = "0.1.0"
    description: Text | None = None
    module_name: Fqn | None = None
    function_name: Name | None = None
    source_file_path: Text | None = None
    source_hash: ShortText | None = None
    parameters: NamedEntries = Field(default_factory=list, max_length=200)
    required_assets: NamedEntries = Field(default_factory=list, max_length=200)
    source_kind: SourceKind | None = Field(default=None, description="git or file_system; set by discovery.")
    source_root_path: Text | None = None
    source_repository_url: Text | None = None
    source_ref: Name | None = Field(default=None, description="The branch or tag checked out.")
    commit_hash: CommitHash | None = None


class ProtocolDefinitionUpdate(UpdateSchema):
    nullable = frozenset({"description"})

    name: Name | None = None
    description: Text | None = None
    parameters: NamedEntries | None = Field(default=None, max_length=200)
    required_assets: NamedEntries | None = Field(default=None, max_length=200)


class ProtocolDefinitionRead(ReadSchema):
    name: str
    fqn: str
    version: str
    description: str | None
    module_name: str | None
    function_name: str | None
    source_file_path: str | None
    source_hash: str | None
    is_inferred: bool
    parameters: list[dict[str, Any]]
    required_assets: list[dict[str, Any]]
    source_kind: SourceKind | None
    source_root_path: str | None
    source_repository_url: str | None
    source_ref: str | None
    commit_hash: str | None


class ProtocolDefinitionQuery(ListQuery):
    name: str | None = TextFilter(max_length=255, description="Part of the name, any case.")
    fqn: str | None = TextFilter(max_length=500)
    version: str | None = TextFilter(max_length=64)
    commit_hash: str | None = TextFilter(max_length=64, description="Discovered at this commit.")


class DiscoverRequest(Schema):
    path: Text = Field(description="A directory under one of the server's configured protocol roots.")


class ModuleErrorRead(Schema):
    path: str
    error: str


class DiscoverResult(Schema):
    definitions: list[ProtocolDefinitionRead]
    errors: list[ModuleErrorRead]


class FunctionCallCreate(Schema):
    function_name: Name
    status: CallStatus = CallStatus.RUNNING
    arguments: JsonObject = Field(default_factory=dict)
    return_value: JsonValue = Field(default=None, description="What it returned. " + JSON_VALUE_DESCRIPTION)
    error_message: Text | None = None
    error_traceback: Text | None = None
    parent_function_call_log_id: uuid.UUID | None = Field(
        default=None, description="The call of the same run this one was made from."
    )
    started_at: UtcDatetime | None = Field(default=None, description="Defaults to now.")
    ended_at: UtcDatetime | None = None

    @field_validator("ended_at")
    @classmethod
    def _ends_after_it_starts(cls, ended_at: datetime | None, info: ValidationInfo) -> datetime | None:
        started_at = info.data.get("started_at")
        if ended_at is not None and started_at is not None and ended_at < started_at:
            raise rule_violation("a call cannot end before it starts")
        return ended_at


class FunctionCallEnd(Schema):
    """How a running call ended."""

    status: Literal[CallStatus.COMPLETED, CallStatus.FAILED] = CallStatus.COMPLETED
    return_value: JsonValue = Field(default=None, description="What it returned. " + JSON_VALUE_DESCRIPTION)
    error_message: Text | None = Field(default=None, description="Why it failed.")
    error_traceback: Text | None = None
    ended_at: UtcDatetime | None = Field(default=None, description="Defaults to now.")


class FunctionCallRead(ReadSchema):
    protocol_run_id: uuid.UUID
    sequence: int
    function_name: str
    fqn: str | None
    status: CallStatus
    arguments: dict
    return_value: Any = Field(description="What it returned: any JSON value, null included.")
    error_message: str | None
    error_traceback: str | None
    parent_function_call_log_id: uuid.UUID | None
    started_at: datetime | None
    ended_at: datetime | None
    duration_ms: float | None


class FunctionCallNode(FunctionCallRead):
    """A call with the calls made from inside it."""

    children: list[FunctionCallNode]


class ProtocolRunCreate(CreateSchema):
    protocol_definition_id: uuid.UUID
    name: Name | None = Field(default=None, description="Defaults to the protocol's name.")
    workcell_id: uuid.UUID | None = None
    input_parameters: JsonObject = Field(default_factory=dict)
    data_directory_path: Text | None = Field(default=None, description="Where the run writes its files.")
    previous_accession_id: uuid.UUID | None = Field(
        default=None,
        description="The run this one resumes: same protocol, completed, failed or cancelled.",
    )
    queue: bool = Field(
        default=False,
        description="Queue the run for a worker at once (as POST .../queue would), in the same transaction.",
    )
    simulation: bool = Field(
        default=True, description="Simulated machines (PyLabRobot's chatterbox backends); the default."
    )
    time_limit_seconds: float | None = Field(
        default=None,
        gt=0,
        le=7 * 24 * 3600,
        description="Wall-clock seconds the protocol may execute; default: the worker's PRAXIS_RUN_TIME_LIMIT.",
    )


class ProtocolRunUpdate(VersionedUpdate):
    """Only descriptive fields; the status changes through the transition routes."""

    nullable = frozenset({"version", "data_directory_path"})

    name: Name | None = None
    data_directory_path: Text | None = None


class ProtocolRunRead(VersionedRead):
    name: str
    status: RunStatus
    protocol_definition_id: uuid.UUID
    workcell_id: uuid.UUID | None
    input_parameters: dict
    output_data: dict
    error_message: str | None
    status_details: str | None
    control_request: RunControl | None
    simulation: bool
    time_limit_seconds: float | None
    queued_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    duration_ms: float | None
    initial_state_json: dict | None
    final_state_json: dict | None
    data_directory_path: str | None
    previous_accession_id: uuid.UUID | None
    function_calls: list[FunctionCallRead]


class RunTransition(Schema):
    version: int | None = Field(default=None, ge=1, description="The version you read; stale gets 409.")
    error_message: Text | None = Field(default=None, description="Why the run failed (fail only).")
    output_data: JsonObject | None = Field(default=None, description="What the run produced (complete only).")
    initial_state_json: JsonObject | None = Field(
        default=None, description="The workcell's state as the run starts (start only; default: its latest)."
    )
    final_state_json: JsonObject | None = Field(
        default=None, description="The workcell's state as the run ends (complete, fail, cancel)."
    )


class RunCommand(Schema):
    """A client's request of a run (queue, pause, resume)."""

    version: int | None = Field(default=None, ge=1, description="The version you read; stale gets 409.")
    reason: ShortText | None = Field(
        default=None, description="Why, in a few words; kept in the run's status_details."
    )


class RunCancel(RunCommand):
    final_state_json: JsonObject | None = Field(
        default=None, description="The workcell's state as the run ends (a run recorded by hand)."
    )


class ProtocolRunQuery(ListQuery):
    name: str | None = TextFilter(max_length=255, description="Part of the name, any case.")
    status: RunStatus | None = None
    protocol_definition_id: uuid.UUID | None = None
    workcell_id: uuid.UUID | None = None
    previous_accession_id: uuid.UUID | None = Field(default=None, description="Continuations of this run.")
