from __future__ import annotations

from typing import Any

from praxis.backend.errors import InvalidValueError
from praxis.backend.models.orm import ResourceDefinitionOrm, ResourceOrm
from praxis.backend.services.base import CrudService


class ResourceDefinitionService(CrudService[ResourceDefinitionOrm]):
    repository_name = "resource_definition"
    orderable = frozenset({"created_at", "updated_at", "name", "category"})


class ResourceService(CrudService[ResourceOrm]):
    repository_name = "resource"
    orderable = frozenset({"created_at", "updated_at", "name", "status", "position_name"})

    async def before_update(self, obj: ResourceOrm, changes: dict[str, Any]) -> dict[str, Any]:
        parent_id = changes.get("parent_id")
        if parent_id is not None and parent_id == obj.accession_id:
            raise InvalidValueError("a resource cannot sit on itself", entity="resource", field="parent_id")
        return changes
