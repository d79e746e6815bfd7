from __future__ import annotations

from praxis.backend.errors import ConflictError
from praxis.backend.models.orm import MachineOrm
from praxis.backend.services.base import CrudService


class MachineService(CrudService[MachineOrm]):
    repository_name = "machine"
    orderable = frozenset({"created_at", "updated_at", "name", "status", "fqn"})

    async def before_delete(self, obj: MachineOrm) -> None:
        decks = await self.repos.deck.count(parent_machine_id=obj.accession_id)
        if decks:
            raise ConflictError(
                f"machine {obj.name!r} still carries {decks} deck(s); delete or move them first",
                entity="machine",
                field="decks",
            )
