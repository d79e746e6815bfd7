from __future__ import annotations

from pydantic import Field

from praxis.backend.models.orm import WorkcellStatus
from praxis.backend.models.schemas.common import (
    CreateSchema,
    ListQuery,
    TextFilter,
    VersionedRead,
    VersionedUpdate,
)
from praxis.backend.models.schemas.fields import JsonObject, Name, Text


class WorkcellCreate(CreateSchema):
    name: Name
    description: Text | None = None
    status: WorkcellStatus = WorkcellStatus.AVAILABLE
    latest_state: JsonObject = Field(default_factory=dict)
    allows_concurrent_runs: bool = False


class WorkcellUpdate(VersionedUpdate):
    nullable = frozenset({"version", "description"})

    name: Name | None = None
    description: Text | None = None
    status: WorkcellStatus | None = None
    latest_state: JsonObject | None = None
    allows_concurrent_runs: bool | None = None


class WorkcellRead(VersionedRead):
    name: str
    description: str | None
    status: WorkcellStatus
    latest_state: dict
    allows_concurrent_runs: bool


class WorkcellQuery(ListQuery):
    name: str | None = TextFilter(max_length=255, description="Part of the name, any case.")
    status: WorkcellStatus | None = None
