from __future__ import annotations

import uuid

from praxis.backend.models.orm import DataOutputOrm
from praxis.backend.repositories.base import Repository


class DataOutputRepository(Repository[DataOutputOrm]):
    model = DataOutputOrm

    async def list_for_run(
        self, run_id: uuid.UUID, *, limit: int | None = None, offset: int | None = None
    ) -> list[DataOutputOrm]:
        return await self.list({"protocol_run_id": run_id}, order_by="created_at", limit=limit, offset=offset)
