from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from praxis.backend.models.orm import MachineOrm
from praxis.backend.services.base import CrudService


class MachineService(CrudService[MachineOrm]):
    repository_name = "machine"
    orderable = frozenset({"created_at", "updated_at", "name", "status", "fqn"})

    async def update(
        self, id: uuid.UUID, changes: Mapping[str, Any], *, expected_version: int | None = None
    ) -> MachineOrm:
        """A machine moved to another workcell takes its decks along: a deck sits in its machine's
        workcell. A deck placed in a workcell of its own (not the machine's) stays where it is."""
        before = (await self.repository.get(id)).workcell_id
        machine = await super().update(id, changes, expected_version=expected_version)
        if machine.workcell_id != before:
            for deck in await self.repos.deck.list_for_machine(machine.accession_id):
                if deck.workcell_id == before:
                    await self.repos.deck.update(deck, workcell_id=machine.workcell_id)
        return machine
