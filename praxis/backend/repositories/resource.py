from __future__ import annotations

import uuid

from praxis.backend.models.orm import ResourceOrm
from praxis.backend.repositories.base import Repository


class ResourceRepository(Repository[ResourceOrm]):
    model = ResourceOrm

    async def list_in_workcell(self, workcell_id: uuid.UUID) -> list[ResourceOrm]:
        return await self.list({"workcell_id": workcell_id}, order_by="name")

    async def list_on_parent(self, parent_id: uuid.UUID) -> list[ResourceOrm]:
        """The labware sitting directly on ``parent_id`` (a carrier's plates, a rack's tubes)."""
        return await self.list({"parent_id": parent_id}, order_by="position_name")
