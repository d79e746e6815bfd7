from __future__ import annotations

import uuid
from typing import Any

from praxis.backend.errors import ConflictError, InvalidReferenceError, InvalidValueError
from praxis.backend.models.orm import DeckOrm, ResourceDefinitionOrm, ResourceOrm, ResourceStatus
from praxis.backend.services.base import CrudService
from praxis.backend.services.status import check_status_change

#: how deep labware may stack (carrier, rack, tube, ...); a longer chain can only be a loop or a mistake
MAX_NESTING = 32


class ResourceDefinitionService(CrudService[ResourceDefinitionOrm]):
    repository_name = "resource_definition"
    orderable = frozenset({"created_at", "updated_at", "name", "category"})


#: labware in error says why; discarded labware is gone for good (see ``services.status``)
NEEDS_REASON = frozenset({ResourceStatus.ERROR})
FINAL = frozenset({ResourceStatus.DISCARDED})


class ResourceService(CrudService[ResourceOrm]):
    """Labware, its status and its location.

    Location: a resource sits on a deck position (``deck_id`` + ``position_name``, a position of the
    deck's type, one resource per position) or on another resource (``parent_id`` +
    ``position_name``, a free-form slot such as ``A1``), or nowhere. An update that places it on one
    takes it off the other; naming both at once is a 422.

    Workcell: labware placed on a deck is in the deck's workcell, as a deck is in its machine's, unless
    the same request names a workcell of its own; it follows the deck when the deck changes workcell
    (``ResourceRepository.follow_deck``). Taken off a deck, it stays in the workcell it was in.
    """

    repository_name = "resource"
    orderable = frozenset({"created_at", "updated_at", "name", "status", "position_name"})

    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        check_status_change("resource", None, values, needs_reason=NEEDS_REASON)
        deck = await self._check_placement(None, values)
        if deck is not None and values.get("workcell_id") is None:
            values["workcell_id"] = deck.workcell_id
        return values

    async def before_update(self, obj: ResourceOrm, changes: dict[str, Any]) -> dict[str, Any]:
        check_status_change("resource", obj.status, changes, needs_reason=NEEDS_REASON, final=FINAL)
        if changes.get("deck_id") is not None and "parent_id" not in changes:
            changes["parent_id"] = None  # placed on a deck: off the carrier it sat on
        if changes.get("parent_id") is not None and "deck_id" not in changes:
            changes["deck_id"] = None  # placed on a carrier: off the deck
        parent_id = changes.get("parent_id")
        if parent_id is not None:
            await self._check_no_loop(obj, parent_id)
        deck = await self._check_placement(obj, changes)
        if deck is not None and changes.get("deck_id") not in (None, obj.deck_id):
            changes.setdefault("workcell_id", deck.workcell_id)
        return changes

    async def _check_placement(self, obj: ResourceOrm | None, changes: dict[str, Any]) -> DeckOrm | None:
        """On a deck: not also on a parent, at a named position of the deck's type, nobody else there.
        The deck it sits on, or None."""
        deck_id = changes["deck_id"] if "deck_id" in changes else getattr(obj, "deck_id", None)
        parent_id = changes["parent_id"] if "parent_id" in changes else getattr(obj, "parent_id", None)
        position = (
            changes["position_name"] if "position_name" in changes else getattr(obj, "position_name", None)
        )
        if deck_id is None:
            return None
        if parent_id is not None:
            raise InvalidValueError(
                "a resource sits on a deck or on another resource, not on both",
                entity="resource",
                field="deck_id",
            )
        deck = await self.repos.deck.get_or_none(deck_id)
        if deck is None:
            raise InvalidReferenceError(
                f"deck {deck_id} does not exist", entity="resource", field="deck_id", value=deck_id
            )
        deck_definition = await self.repos.deck_definition.get(deck.deck_definition_id)
        names = [p.name for p in deck_definition.positions]
        if position not in names:
            raise InvalidValueError(
                f"labware on deck {deck.name!r} sits at one of its positions: {', '.join(names) or 'none'}",
                entity="resource",
                field="position_name",
                value=position,
            )
        here = await self.repos.resource.get_by(deck_id=deck_id, position_name=position)
        if here is not None and (obj is None or here.accession_id != obj.accession_id):
            raise ConflictError(
                f"position {position!r} of deck {deck.name!r} already holds {here.name!r}",
                entity="resource",
                field="position_name",
                value=position,
            )
        return deck

    async def children(self, id: uuid.UUID) -> list[ResourceOrm]:
        """What sits directly on the resource (a carrier's plates), by position."""
        await self.repository.get(id)
        return await self.repos.resource.list_on_parent(id)

    async def _check_no_loop(self, obj: ResourceOrm, parent_id: Any) -> None:
        """Labware cannot sit on itself, directly or through what sits on it (a carrier on its own
        tube): walk up from the new parent; meeting ``obj`` on the way means a loop. Under the
        stacking lock, so a concurrent move cannot complete a loop this walk did not see."""
        await self.repos.resource.lock_stacking()
        current = parent_id
        for _ in range(MAX_NESTING):
            if current == obj.accession_id:
                raise InvalidValueError(
                    "a resource cannot sit on itself or on labware that sits on it",
                    entity="resource",
                    field="parent_id",
                    value=parent_id,
                )
            current = await self.repos.resource.parent_id_of(current)
            if current is None:
                return  # the top, or an unknown parent (refused by the database as an invalid reference)
        raise InvalidValueError(
            f"labware may stack at most {MAX_NESTING} levels deep", entity="resource", field="parent_id"
        )
