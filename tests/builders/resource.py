from __future__ import annotations

from typing import Any

from praxis.backend.models.orm import ResourceOrm
from tests.builders.base import Builder, Parent, unique_name


class ResourceBuilder(Builder[ResourceOrm]):
    repository_name = "resource"
    parents = {
        "resource_definition": Parent(
            "resource_definition", fk="resource_definition_id", relationship="resource_definition"
        ),
        "workcell": Parent("workcell", fk="workcell_id", relationship="workcell", create=False),
        "parent": Parent("resource", fk="parent_id", relationship="parent", create=False),
    }

    def defaults(self) -> dict[str, Any]:
        return {"name": unique_name("resource")}
