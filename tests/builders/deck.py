from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

from praxis.backend.db.base import Entity
from praxis.backend.models.orm import DeckOrm
from praxis.backend.repositories.deck import DeckRepository
from tests.builders.base import Builder, Parent, unique_name

if TYPE_CHECKING:
    from tests.builders.fields import DeckFields


class DeckBuilder(Builder[DeckOrm, DeckRepository]):
    """A deck of a new deck type in a new machine; its workcell is the machine's unless given."""

    repository_name = "deck"

    parents = {
        "machine": Parent("machine", fk="parent_machine_id", relationship="parent_machine"),
        "deck_definition": Parent("deck_definition", fk="deck_definition_id", relationship="deck_definition"),
        "workcell": Parent("workcell", fk="workcell_id", relationship="workcell", create=False),
    }

    if TYPE_CHECKING:  # the fields it takes, for type checkers and editors: fields.py

        def build(self, **overrides: Unpack[DeckFields]) -> DeckOrm: ...
        async def create(self, **overrides: Unpack[DeckFields]) -> DeckOrm: ...
        async def create_batch(self, n: int, **overrides: Unpack[DeckFields]) -> list[DeckOrm]: ...

    def defaults(self) -> dict[str, Any]:
        return {"name": unique_name("deck")}

    def consistent(self, values: dict[str, Any], parents: dict[str, Entity]) -> dict[str, Any]:
        machine = parents.get("machine")
        if "workcell_id" not in values and machine is not None:
            values["workcell_id"] = machine.workcell_id  # type: ignore[attr-defined]
        return values
