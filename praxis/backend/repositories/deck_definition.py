from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import selectinload

from praxis.backend.models.orm import DeckDefinitionOrm, DeckPositionDefinitionOrm
from praxis.backend.repositories.base import Repository


class DeckDefinitionRepository(Repository[DeckDefinitionOrm]):
    """Deck types; every read returns them with their positions (one extra query, whatever the count)."""

    model = DeckDefinitionOrm
    eager = (selectinload(DeckDefinitionOrm.positions),)

    @staticmethod
    def positions_from(
        rows: Iterable[Mapping[str, Any] | DeckPositionDefinitionOrm],
    ) -> list[DeckPositionDefinitionOrm]:
        return [
            row if isinstance(row, DeckPositionDefinitionOrm) else DeckPositionDefinitionOrm(**row)
            for row in rows
        ]

    async def create_with_positions(
        self, positions: Iterable[Mapping[str, Any] | DeckPositionDefinitionOrm] = (), **values: Any
    ) -> DeckDefinitionOrm:
        return await self.create(positions=self.positions_from(positions), **values)

    async def replace_positions(
        self,
        definition: DeckDefinitionOrm,
        positions: Iterable[Mapping[str, Any] | DeckPositionDefinitionOrm],
    ) -> DeckDefinitionOrm:
        """Swap the whole set of positions; the old ones are deleted (delete-orphan) in the same flush."""
        definition.positions = self.positions_from(positions)
        # positions removed and re-added under the same name must be deleted before they are inserted
        await self.save(definition)
        return definition
