from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AfterValidator, AliasChoices, Field

from praxis.backend.models.orm import ResourceCategory
from praxis.backend.models.schemas.common import (
    CreateSchema,
    ListQuery,
    ReadSchema,
    Schema,
    TextFilter,
    VersionedRead,
    VersionedUpdate,
)
from praxis.backend.models.schemas.fields import Fqn, JsonObject, Millimetres, Name, Text, rule_violation


class DeckPositionIn(Schema):
    name: Name
    x_mm: float | None = Field(default=None, allow_inf_nan=False, ge=-100_000, le=100_000)
    y_mm: float | None = Field(default=None, allow_inf_nan=False, ge=-100_000, le=100_000)
    z_mm: float | None = Field(default=None, allow_inf_nan=False, ge=-100_000, le=100_000)
    allowed_resource_categories: list[ResourceCategory] = Field(default_factory=list, max_length=20)
    properties: JsonObject = Field(default_factory=dict)


def _distinct_names(positions: list[DeckPositionIn]) -> list[DeckPositionIn]:
    """Position names are unique within a deck type: a repeated one is refused here, naming
    ``positions``, rather than as a database error about a table the client never sees. JSON Schema
    cannot say "distinct by name", so it is a rule: 409."""
    seen: set[str] = set()
    for position in positions:
        if position.name in seen:
            raise rule_violation(
                f"position {position.name!r} is listed twice; position names must be distinct"
            )
        seen.add(position.name)
    return positions


Positions = Annotated[list[DeckPositionIn], AfterValidator(_distinct_names)]


class DeckPositionRead(ReadSchema):
    name: str
    x_mm: float | None
    y_mm: float | None
    z_mm: float | None
    allowed_resource_categories: list[ResourceCategory]
    properties: dict


class DeckDefinitionCreate(CreateSchema):
    name: Name
    fqn: Fqn
    description: Text | None = None
    size_x_mm: Millimetres | None = None
    size_y_mm: Millimetres | None = None
    size_z_mm: Millimetres | None = None
    positioning_config: JsonObject = Field(default_factory=dict)
    positions: Positions = Field(default_factory=list, max_length=500)


class DeckDefinitionUpdate(VersionedUpdate):
    nullable = frozenset({"version", "description", "size_x_mm", "size_y_mm", "size_z_mm"})

    name: Name | None = None
    fqn: Fqn | None = None
    description: Text | None = None
    size_x_mm: Millimetres | None = None
    size_y_mm: Millimetres | None = None
    size_z_mm: Millimetres | None = None
    positioning_config: JsonObject | None = None
    positions: Positions | None = Field(
        default=None, max_length=500, description="When given, replaces the whole set of positions."
    )


class DeckDefinitionRead(VersionedRead):
    name: str
    fqn: str
    description: str | None
    size_x_mm: float | None
    size_y_mm: float | None
    size_z_mm: float | None
    positioning_config: dict
    positions: list[DeckPositionRead]


class DeckDefinitionQuery(ListQuery):
    name: str | None = TextFilter(max_length=255, description="Part of the name, any case.")
    fqn: str | None = TextFilter(max_length=500)


class DeckCreate(CreateSchema):
    name: Name
    deck_definition_id: uuid.UUID
    machine_id: uuid.UUID = Field(description="The machine the deck is mounted in.")
    workcell_id: uuid.UUID | None = Field(default=None, description="Defaults to the machine's workcell.")
    description: Text | None = None
    properties: JsonObject = Field(default_factory=dict)


class DeckUpdate(VersionedUpdate):
    nullable = frozenset({"version", "workcell_id", "description"})

    name: Name | None = None
    deck_definition_id: uuid.UUID | None = None
    machine_id: uuid.UUID | None = None
    workcell_id: uuid.UUID | None = None
    description: Text | None = None
    properties: JsonObject | None = None


class DeckRead(VersionedRead):
    name: str
    deck_definition_id: uuid.UUID
    machine_id: uuid.UUID = Field(validation_alias=AliasChoices("parent_machine_id", "machine_id"))
    workcell_id: uuid.UUID | None
    description: str | None
    properties: dict


class DeckQuery(ListQuery):
    name: str | None = TextFilter(max_length=255, description="Part of the name, any case.")
    machine_id: uuid.UUID | None = None
    deck_definition_id: uuid.UUID | None = None
    workcell_id: uuid.UUID | None = None
