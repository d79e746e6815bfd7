from __future__ import annotations

from typing import Any

from praxis.backend.models.orm import DeckDefinitionOrm
from praxis.backend.repositories.deck_definition import DeckDefinitionRepository
from tests.builders.base import Builder, unique_name


class DeckDefinitionBuilder(Builder[DeckDefinitionOrm]):
    """Deck definitions (deck types) come with two positions unless ``positions=[...]`` (dicts or objects) says otherwise."""

    repository_name = "deck_definition"
    repository: DeckDefinitionRepository

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
