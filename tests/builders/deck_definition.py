from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Unpack

from praxis.backend.models.orm import DeckDefinitionOrm, DeckPositionDefinitionOrm
from praxis.backend.repositories.deck_definition import DeckDefinitionRepository
from tests.builders.base import Builder, unique_name

if TYPE_CHECKING:
    from tests.builders.fields import DeckDefinitionFields


class DeckDefinitionBuilder(Builder[DeckDefinitionOrm, DeckDefinitionRepository]):
    """Deck definitions (deck types) come with two positions unless ``positions=[...]`` (dicts or objects) says otherwise."""

    repository_name = "deck_definition"
    field_types = {"positions": Sequence[Mapping[str, Any] | DeckPositionDefinitionOrm]}

    if TYPE_CHECKING:  # the fields it takes, for type checkers and editors: fields.py

        def build(self, **overrides: Unpack[DeckDefinitionFields]) -> DeckDefinitionOrm: ...
        async def create(self, **overrides: Unpack[DeckDefinitionFields]) -> DeckDefinitionOrm: ...
        async def create_batch(
            self, n: int, **overrides: Unpack[DeckDefinitionFields]
        ) -> list[DeckDefinitionOrm]: ...

    def defaults(self) -> dict[str, Any]:
        return {
            "name": unique_name("deck-type"),
            "fqn": "pylabrobot.resources.hamilton.STARLetDeck",
            "size_x_mm": 1360.0,
            "size_y_mm": 653.5,
            "size_z_mm": 900.0,
            "positions": [
                {"name": "rail-1", "x_mm": 100.0, "y_mm": 63.0, "z_mm": 100.0},
                {"name": "rail-2", "x_mm": 122.5, "y_mm": 63.0, "z_mm": 100.0},
            ],
        }
