from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

from praxis.backend.models.orm import ResourceOrm
from praxis.backend.repositories.resource import ResourceRepository
from tests.builders.base import Builder, Parent, unique_name

if TYPE_CHECKING:
    from tests.builders.fields import ResourceFields


class ResourceBuilder(Builder[ResourceOrm, ResourceRepository]):
    """Free-standing labware by default; ``parent=carrier`` or ``deck=deck`` (with ``position_name``)
    places it."""

    repository_name = "resource"
    parents = {
        "resource_definition": Parent(
            "resource_definition", fk="resource_definition_id", relationship="resource_definition"
        ),
        "workcell": Parent("workcell", fk="workcell_id", relationship="workcell", create=False),
        "parent": Parent("resource", fk="parent_id", relationship="parent", create=False),
        "deck": Parent("deck", fk="deck_id", relationship="deck", create=False),
    }

    if TYPE_CHECKING:  # the fields it takes, for type checkers and editors: fields.py

        def build(self, **overrides: Unpack[ResourceFields]) -> ResourceOrm: ...
        async def create(self, **overrides: Unpack[ResourceFields]) -> ResourceOrm: ...
        async def create_batch(self, n: int, **overrides: Unpack[ResourceFields]) -> list[ResourceOrm]: ...

    def defaults(self) -> dict[str, Any]:
        return {"name": unique_name("resource")}
