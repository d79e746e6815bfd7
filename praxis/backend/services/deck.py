from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from praxis.backend.db.base import api_renames
from praxis.backend.errors import InvalidReferenceError
from praxis.backend.models.orm import DeckDefinitionOrm, DeckOrm
from praxis.backend.services.base import CrudService


class DeckDefinitionService(CrudService[DeckDefinitionOrm]):
    """Deck definitions (deck types); their positions are created, replaced and returned with them."""

    repository_name = "deck_definition"
    orderable = frozenset({"created_at", "updated_at", "name", "fqn"})

    async def create(self, data: Mapping[str, Any]) -> DeckDefinitionOrm:
        values = await self.with_chosen_id(dict(data))
        positions = values.pop("positions", [])
        return await self.repos.deck_definition.create_with_positions(positions, **values)

    async def update(
        self, id: uuid.UUID, changes: Mapping[str, Any], *, expected_version: int | None = None
    ) -> DeckDefinitionOrm:
        values = dict(changes)
        positions = values.pop("positions", None)
        definition = await self.repos.deck_definition.get(id)
        updated = await self.repos.deck_definition.update(
            definition, expected_version=expected_version, **values
        )
        if positions is not None:
            await self.repos.deck_definition.replace_positions(updated, positions)
        return updated


class DeckService(CrudService[DeckOrm]):
    """Decks: the API's ``machine_id`` is stored as the deck's parent machine."""

    repository_name = "deck"
    orderable = frozenset({"created_at", "updated_at", "name"})
    renamed = api_renames(DeckOrm)

    async def _check_references(self, values: dict[str, Any]) -> None:
        machine_id = values.get("parent_machine_id")
        if machine_id is not None:
            machine = await self.repos.machine.get_or_none(machine_id)
            if machine is None:
                raise InvalidReferenceError(
                    f"machine {machine_id} does not exist",
                    entity="deck",
                    field="machine_id",
                    value=machine_id,
                )
            values.setdefault("workcell_id", machine.workcell_id)

    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("workcell_id") is None:
            values.pop("workcell_id", None)
        await self._check_references(values)
        return values

    async def before_update(self, obj: DeckOrm, changes: dict[str, Any]) -> dict[str, Any]:
        """A deck moved to another machine goes to that machine's workcell, as a new deck would,
        unless the same request names a workcell of its own."""
        checked = {k: v for k, v in changes.items() if k in {"parent_machine_id", "deck_definition_id"}}
        if "workcell_id" in changes:
            checked["workcell_id"] = changes["workcell_id"]
        await self._check_references(checked)
        if "parent_machine_id" in changes and changes["parent_machine_id"] != obj.parent_machine_id:
            changes.setdefault("workcell_id", checked.get("workcell_id"))
        return changes

    async def after_update(self, obj: DeckOrm, previous: Mapping[str, Any]) -> None:
        """A deck that changed workcell takes the labware on it along (see ``ResourceService``)."""
        before = previous.get("workcell_id", obj.workcell_id)
        if obj.workcell_id != before:
            await self.repos.resource.follow_deck(obj.accession_id, before, obj.workcell_id)
