from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

from praxis.backend.models.orm import WorkcellOrm
from praxis.backend.repositories.workcell import WorkcellRepository
from tests.builders.base import Builder, unique_name

if TYPE_CHECKING:
    from tests.builders.fields import WorkcellFields


class WorkcellBuilder(Builder[WorkcellOrm, WorkcellRepository]):
    repository_name = "workcell"

    if TYPE_CHECKING:  # the fields it takes, for type checkers and editors: fields.py

        def build(self, **overrides: Unpack[WorkcellFields]) -> WorkcellOrm: ...
        async def create(self, **overrides: Unpack[WorkcellFields]) -> WorkcellOrm: ...
        async def create_batch(self, n: int, **overrides: Unpack[WorkcellFields]) -> list[WorkcellOrm]: ...

    def defaults(self) -> dict[str, Any]:
        return {"name": unique_name("workcell")}
