from __future__ import annotations

import uuid

from praxis.backend.models.orm import MachineOrm
from praxis.backend.repositories.base import Repository


class MachineRepository(Repository[MachineOrm]):
    model = MachineOrm

    async def list_in_workcell(self, workcell_id: uuid.UUID) -> list[MachineOrm]:
        return await self.list({"workcell_id": workcell_id}, order_by="name")
