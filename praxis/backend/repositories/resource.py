from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, func, select

from praxis.backend.models.orm import ResourceDefinitionOrm, ResourceOrm
from praxis.backend.repositories.base import Repository

#: a filter on the resource's definition rather than on the resource's own columns
DEFINITION_FQN = "fqn"
#: the advisory lock that serialises moves of labware onto other labware (``lock_stacking``)
STACKING_LOCK = int.from_bytes(hashlib.sha256(b"praxis resource stacking").digest()[:8], "big", signed=True)


class ResourceRepository(Repository[ResourceOrm]):
    """Labware. Besides its own columns, a list may filter on its definition's ``fqn`` (labware has no
    fqn of its own, so the name is unambiguous): ``list({"fqn": "...Cor_96_wellplate_360ul_Fb"})``."""

    model = ResourceOrm

    def where(self, filters: Mapping[str, Any] | None) -> list[ColumnElement[bool]]:
        own = dict(filters or {})
        fqn = own.pop(DEFINITION_FQN, None)
        clauses = super().where(own)
        if fqn is not None:
            definitions = select(ResourceDefinitionOrm.accession_id).where(ResourceDefinitionOrm.fqn == fqn)
            clauses.append(ResourceOrm.resource_definition_id.in_(definitions))
        return clauses

    async def list_in_workcell(self, workcell_id: uuid.UUID) -> list[ResourceOrm]:
        return await self.list({"workcell_id": workcell_id}, order_by="name")

    async def follow_deck(
        self, deck_id: uuid.UUID, before: uuid.UUID | None, after: uuid.UUID | None
    ) -> None:
        """Labware on a deck that moved from workcell ``before`` to ``after`` moves with it, as a deck
        moves with its machine; labware the client placed in a workcell of its own stays there."""
        moved = await self.list({"deck_id": deck_id, "workcell_id": before})
        if moved:
            async with self.writing(*moved):  # one SAVEPOINT; the flush updates them in one batch
                for resource in moved:
                    resource.workcell_id = after

    async def list_on_parent(self, parent_id: uuid.UUID) -> list[ResourceOrm]:
        """The labware sitting directly on ``parent_id`` (a carrier's plates, a rack's tubes)."""
        return await self.list({"parent_id": parent_id}, order_by="position_name")

    async def lock_stacking(self) -> None:
        """Hold, until the transaction ends, the lock every move onto a parent takes before it checks
        for a loop. Two moves checked at once could each see no loop and together store one (A onto
        B while B goes onto A); serialised, the second sees the first's commit. Moves are rare and
        short, so one lock for them all costs nothing worth a finer one."""
        await self.session.execute(select(func.pg_advisory_xact_lock(STACKING_LOCK)))

    async def parent_id_of(self, id: uuid.UUID) -> uuid.UUID | None:
        """The parent as committed now (not as this session may have read it before a lock)."""
        return await self.session.scalar(select(ResourceOrm.parent_id).where(ResourceOrm.accession_id == id))
