from __future__ import annotations

from typing import Any

from praxis.backend.models.orm import WorkcellOrm
from praxis.backend.repositories.workcell import WorkcellRepository
from tests.builders.base import Builder, unique_name


class WorkcellBuilder(Builder[WorkcellOrm]):
    repository_name = "workcell"
    repository: WorkcellRepository

    def defaults(self) -> dict[str, Any]:
        return {"name": unique_name("workcell")}
