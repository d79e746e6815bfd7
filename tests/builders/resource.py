from __future__ import annotations

from typing import Any

from praxis.backend.models.orm import ResourceOrm
from praxis.backend.repositories.resource import ResourceRepository
from tests.builders.base import Builder, Parent, unique_name


class ResourceBuilder(Builder[ResourceOrm]):
    """Free-standing labware by default; ``parent=carrier`` or ``deck=deck`` (with ``position_name``)
    places it."""

    repository_name = "resource"
    repository: ResourceRepository
    parents = {
        "resource_definition": Parent(
            "resource_definition", fk="resource_definition_id", relationship="resource_definition"
        ),
        "workcell": Parent("workcell", fk="workcell_id", relationship="workcell", create=False),
        "parent": Parent("resource", fk="parent_id", relationship="parent", create=False),
        "deck": Parent("deck", fk="deck_id", relationship="deck", create=False),
    }

    def defaults(self) -> dict[str, Any]:
        return {"name": unique_name("resource")}
