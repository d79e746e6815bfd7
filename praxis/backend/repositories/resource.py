from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, select

from praxis.backend.models.orm import ResourceDefinitionOrm, ResourceOrm
from praxis.backend.repositories.base import Repository

#: a filter on the resource's definition rather than on the resource's own columns
DEFINITION_FQN = "fqn"


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

    async def list_on_parent(self, parent_id: uuid.UUID) -> list[ResourceOrm]:
        """The labware sitting directly on ``parent_id`` (a carrier's plates, a rack's tubes)."""
        return await self.list({"parent_id": parent_id}, order_by="position_name")
