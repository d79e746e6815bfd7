from __future__ import annotations

import uuid

from pydantic import Field

from praxis.backend.models.orm import ResourceCategory, ResourceStatus
from praxis.backend.models.schemas.common import (
    Fqn,
    JsonObject,
    ListQuery,
    Millimetres,
    Name,
    ReadSchema,
    Schema,
    Text,
    TextFilter,
    UpdateSchema,
)


class ResourceDefinitionCreate(Schema):
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


class ResourceCreate(Schema):
    name: Name
    resource_definition_id: uuid.UUID
    workcell_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    position_name: Name | None = None
    status: ResourceStatus = ResourceStatus.AVAILABLE
    properties: JsonObject = Field(default_factory=dict)


class ResourceUpdate(UpdateSchema):
    nullable = frozenset({"workcell_id", "parent_id", "position_name"})

    name: Name | None = None
    resource_definition_id: uuid.UUID | None = None
    workcell_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    position_name: Name | None = None
    status: ResourceStatus | None = None
    properties: JsonObject | None = None


class ResourceRead(ReadSchema):
    name: str
    resource_definition_id: uuid.UUID
    workcell_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    position_name: str | None
    status: ResourceStatus
    properties: dict


class ResourceQuery(ListQuery):
    name: str | None = TextFilter(max_length=255, description="Part of the name, any case.")
    status: ResourceStatus | None = None
    resource_definition_id: uuid.UUID | None = None
    workcell_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
