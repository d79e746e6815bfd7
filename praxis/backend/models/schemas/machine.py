from __future__ import annotations

import uuid

from pydantic import Field

from praxis.backend.models.orm import MachineStatus
from praxis.backend.models.schemas.common import (
    CreateSchema,
    ListQuery,
    TextFilter,
    VersionedRead,
    VersionedUpdate,
)
from praxis.backend.models.schemas.fields import Fqn, JsonObject, Name, Text


class MachineCreate(CreateSchema):
    name: Name
    fqn: Fqn
    description: Text | None = None
    status: MachineStatus = MachineStatus.AVAILABLE
    status_details: Text | None = Field(
        default=None, description="Why it is in its status; needed for offline and error."
    )
    connection_info: JsonObject = Field(default_factory=dict)
    workcell_id: uuid.UUID | None = None


class MachineUpdate(VersionedUpdate):
    nullable = frozenset({"version", "description", "workcell_id", "status_details"})

    name: Name | None = None
    fqn: Fqn | None = None
    description: Text | None = None
    status: MachineStatus | None = None
    status_details: Text | None = Field(default=None, description="Left out on a status change: cleared.")
    connection_info: JsonObject | None = None
    workcell_id: uuid.UUID | None = None


class MachineRead(VersionedRead):
    name: str
    fqn: str
    description: str | None
    status: MachineStatus
    status_details: str | None
    connection_info: dict
    workcell_id: uuid.UUID | None


class MachineQuery(ListQuery):
    name: str | None = TextFilter(max_length=255, description="Part of the name, any case.")
    status: MachineStatus | None = None
    workcell_id: uuid.UUID | None = None
