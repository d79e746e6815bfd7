from __future__ import annotations

from typing import Any

from praxis.backend.errors import InvalidValueError
from praxis.backend.models.orm import ResourceDefinitionOrm, ResourceOrm
from praxis.backend.services.base import CrudService

#: how deep labware may stack (carrier, rack, tube, ...); a longer chain can only be a loop or a mistake
MAX_NESTING = 32


class ResourceDefinitionService(CrudService[ResourceDefinitionOrm]):
    repository_name = "resource_definition"
    orderable = frozenset({"created_at", "updated_at", "name", "category"})


class ResourceService(CrudService[ResourceOrm]):
    repository_name = "resource"
    orderable = frozenset({"created_at", "updated_at", "name", "status", "position_name"})

    async def before_update(self, obj: ResourceOrm, changes: dict[str, Any]) -> dict[str, Any]:
        parent_id = changes.get("parent_id")
        if parent_id is not None:
            await self._check_no_loop(obj, parent_id)
        return changes

    async def _check_no_loop(self, obj: ResourceOrm, parent_id: Any) -> None:
        """Labware cannot sit on itself, directly or through what sits on it (a carrier on its own
        tube): walk up from the new parent; meeting ``obj`` on the way means a loop."""
        current = parent_id
        for _ in range(MAX_NESTING):
            if current == obj.accession_id:
                raise InvalidValueError(
                    "a resource cannot sit on itself or on labware that sits on it",
                    entity="resource",
                    field="parent_id",
                    value=parent_id,
                )
            parent = await self.repos.resource.get_or_none(current)
            if parent is None or parent.parent_id is None:
                return  # an unknown parent is refused by the database as an invalid reference
            current = parent.parent_id
        raise InvalidValueError(
            f"labware may stack at most {MAX_NESTING} levels deep", entity="resource", field="parent_id"
        )
