from __future__ import annotations

import uuid

from praxis.backend.models.orm import DeckOrm
from praxis.backend.repositories.base import Repository


class DeckRepository(Repository[DeckOrm]):
    model = DeckOrm

    async def list_for_machine(self, machine_id: uuid.UUID) -> list[DeckOrm]:
        return await self.list({"parent_machine_id": machine_id}, order_by="name")

    async def machine_has_decks(self, machine_id: uuid.UUID) -> bool:
        return await self.exists(parent_machine_id=machine_id)
