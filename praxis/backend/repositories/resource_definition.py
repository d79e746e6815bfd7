from __future__ import annotations

from praxis.backend.models.orm import ResourceDefinitionOrm
from praxis.backend.repositories.base import Repository


class ResourceDefinitionRepository(Repository[ResourceDefinitionOrm]):
    model = ResourceDefinitionOrm
