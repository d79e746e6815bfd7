from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from praxis.backend.models.orm import MachineOrm, MachineStatus
from praxis.backend.services.base import CrudService
from praxis.backend.services.status import check_status_change

#: a machine offline or in error says why (see ``services.status``)
NEEDS_REASON = frozenset({MachineStatus.OFFLINE, MachineStatus.ERROR})


class MachineService(CrudService[MachineOrm]):
    repository_name = "machine"
    orderable = frozenset({"created_at", "updated_at", "name", "status", "fqn"})

    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        return check_status_change("machine", None, values, needs_reason=NEEDS_REASON)

    async def before_update(self, obj: MachineOrm, changes: dict[str, Any]) -> dict[str, Any]:
        return check_status_change("machine", obj.status, changes, needs_reason=NEEDS_REASON)

    async def after_update(self, obj: MachineOrm, previous: Mapping[str, Any]) -> None:
        """A machine moved to another workcell takes its decks along: a deck sits in its machine's
        workcell, and the labware on it along with it. A deck placed in a workcell of its own (not the
        machine's) stays where it is."""
        before = previous.get("workcell_id", obj.workcell_id)
        if obj.workcell_id == before:
            return
        for deck in await self.repos.deck.list(
            {"parent_machine_id": obj.accession_id, "workcell_id": before}
        ):
            await self.repos.deck.update(deck, workcell_id=obj.workcell_id)
            await self.repos.resource.follow_deck(deck.accession_id, before, obj.workcell_id)
