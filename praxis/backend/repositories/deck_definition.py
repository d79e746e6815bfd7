from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, func, inspect
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.base import NO_VALUE

from praxis.backend.models.orm import DeckDefinitionOrm, DeckPositionDefinitionOrm
from praxis.backend.repositories.base import Repository
from praxis.backend.repositories.statements import bulk_insert


class DeckDefinitionRepository(Repository[DeckDefinitionOrm]):
    """Deck definitions (deck types); every read returns them with their positions (one extra query,
    whatever the count)."""

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

    def new(self, **values: Any) -> DeckDefinitionOrm:
        """A deck type whose ``positions`` may be given as dicts (the API's shape) or objects."""
        if "positions" in values:
            values["positions"] = self.positions_from(values["positions"])
        return super().new(**values)

    async def create_with_positions(
        self, positions: Iterable[Mapping[str, Any] | DeckPositionDefinitionOrm] = (), **values: Any
    ) -> DeckDefinitionOrm:
        return await self.create(positions=self.positions_from(positions), **values)

    async def replace_positions(
        self,
        definition: DeckDefinitionOrm,
        positions: Iterable[Mapping[str, Any] | DeckPositionDefinitionOrm],
    ) -> DeckDefinitionOrm:
        """Swap the whole set of positions: one DELETE of the old set, one INSERT of the new.

        The DELETE goes first explicitly; a flush alone would insert before deleting and trip the
        (deck_definition_id, name) unique constraint when a name is kept.
        """
        old = inspect(definition).attrs.positions.loaded_value
        async with self.writing(definition):
            await self.session.execute(
                delete(DeckPositionDefinitionOrm).where(
                    DeckPositionDefinitionOrm.deck_definition_id == definition.accession_id
                )
            )
            if old is not NO_VALUE:
                for position in old:
                    if position in self.session:
                        self.session.expunge(position)
            set_committed_value(definition, "positions", [])
            definition.positions.extend(self.positions_from(positions))
            # new positions are a change of the deck type: bump its version and updated_at
            definition.updated_at = func.statement_timestamp()
        return definition

    async def create_many(self, rows: Iterable[Mapping[str, Any]]) -> list[DeckDefinitionOrm]:
        """Definitions in one INSERT, then all their positions (rows may carry ``positions``) in one more."""
        own_rows = [dict(row) for row in rows]
        positions = [row.pop("positions", None) or [] for row in own_rows]
        definitions = await super().create_many(own_rows)
        position_rows = [
            {**_as_row(position), "deck_definition_id": definition.accession_id}
            for definition, of_definition in zip(definitions, positions, strict=True)
            for position in of_definition
        ]
        created: list[DeckPositionDefinitionOrm] = []
        if position_rows:
            async with self.writing():
                inserted = await self.session.scalars(bulk_insert(DeckPositionDefinitionOrm, position_rows))
                created = list(inserted.all())
        by_definition: dict[uuid.UUID, list[DeckPositionDefinitionOrm]] = defaultdict(list)
        for position in created:
            by_definition[position.deck_definition_id].append(position)
        for definition in definitions:
            mine = by_definition[definition.accession_id]
            set_committed_value(definition, "positions", sorted(mine, key=lambda p: p.name))
        return definitions


def _as_row(position: Mapping[str, Any] | DeckPositionDefinitionOrm) -> dict[str, Any]:
    if isinstance(position, DeckPositionDefinitionOrm):
        table = DeckPositionDefinitionOrm.__table__
        return {c.key: getattr(position, c.key) for c in table.c if getattr(position, c.key) is not None}
    return dict(position)
