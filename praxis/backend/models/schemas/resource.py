from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from praxis.backend.models.orm import ResourceCategory, ResourceStatus
from praxis.backend.models.schemas.common import (
    CreateSchema,
    ListQuery,
    ReadSchema,
    TextFilter,
    UpdateSchema,
)
from praxis.backend.models.schemas.fields import Fqn, JsonObject, Millimetres, Name, Text


class ResourceDefinitionCreate(CreateSchema):
    name: Name
    fqn: Fqn
    description: Text | None = None
    category: ResourceCategory = ResourceCategory.OTHER
    is_consumable: bool = True
    size_x_mm: Millimetres | None = None
    size_y_mm: Millimetres | None = None
    size_z_mm: Millimetres | None = None
    nominal_volume_ul: Millimetres | None = None
    properties: JsonObject = Field(default_factory=dict)


class ResourceDefinitionUpdate(UpdateSchema):
    nullable = frozenset({"description", "size_x_mm", "size_y_mm", "size_z_mm", "nominal_volume_ul"})

    name: Name | None = None
    fqn: Fqn | None = None
    description: Text | None = None
    category: ResourceCategory | None = None
    is_consumable: bool | None = None
    size_x_mm: Millimetres | None = None
    size_y_mm: Millimetres | None = None
    size_z_mm: Millimetres | None = None
    nominal_volume_ul: Millimetres | None = None
    properties: JsonObject | None = None


class ResourceDefinitionRead(ReadSchema):
    name: str
    fqn: str
    description: str | None
    category: ResourceCategory
    is_consumable: bool
    size_x_mm: float | None
    size_y_mm: float | None
    size_z_mm: float | None
    nominal_volume_ul: float | None
    properties: dict


class ResourceDefinitionQuery(ListQuery):
    name: str | None = TextFilter(max_length=255, description="Part of the name, any case.")
    category: ResourceCategory | None = None


class ResourceCreate(CreateSchema):
    name: Name
    resource_definition_id: uuid.UUID
    workcell_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    deck_id: uuid.UUID | None = Field(default=None, description="The deck it sits on (with position_name).")
    position_name: Name | None = None
    status: ResourceStatus = ResourceStatus.AVAILABLE
    status_details: Text | None = Field(
        default=None, description="Why it is in its status; needed for error."
    )
    properties: JsonObject = Field(default_factory=dict)


class ResourceUpdate(UpdateSchema):
    nullable = frozenset({"workcell_id", "parent_id", "deck_id", "position_name", "status_details"})

    name: Name | None = None
    resource_definition_id: uuid.UUID | None = None
    workcell_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    deck_id: uuid.UUID | None = None
    position_name: Name | None = None
    status: ResourceStatus | None = None
    status_details: Text | None = None
    properties: JsonObject | None = None


class Location(BaseModel):
    """Where labware is: ``kind`` "deck" (``deck_id`` and the deck position) or "resource" (the
    ``parent_id`` it sits on and its slot there)."""

    kind: Literal["deck", "resource"]
    deck_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    position_name: str | None


class ResourceRead(ReadSchema):
    name: str
    resource_definition_id: uuid.UUID
    workcell_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    deck_id: uuid.UUID | None
    position_name: str | None
    status: ResourceStatus
    status_details: str | None
    properties: dict

    @computed_field  # type: ignore[prop-decorator]
    @property
    def location(self) -> Location | None:
        """Where it sits, or null for labware placed nowhere (in storage, on a bench)."""
        if self.deck_id is not None:
            return Location(
                kind="deck", deck_id=self.deck_id, parent_id=None, position_name=self.position_name
            )
        if self.parent_id is not None:
            return Location(
                kind="resource", deck_id=None, parent_id=self.parent_id, position_name=self.position_name
            )
        return None


class ResourceQuery(ListQuery):
    name: str | None = TextFilter(max_length=255, description="Part of the name, any case.")
    status: ResourceStatus | None = None
    resource_definition_id: uuid.UUID | None = None
    workcell_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    deck_id: uuid.UUID | None = None
    fqn: str | None = TextFilter(max_length=500, description="Its definition's fqn, exactly.")
