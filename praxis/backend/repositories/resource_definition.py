from __future__ import annotations

from praxis.backend.models.orm import ResourceDefinitionOrm
from praxis.backend.repositories.base import Repository


class ResourceDefinitionRepository(Repository[ResourceDefinitionOrm]):
    model = ResourceDefinitionOrm

    async def get_by_name(self, name: str) -> ResourceDefinitionOrm | None:
        return await self.get_by(name=name)
