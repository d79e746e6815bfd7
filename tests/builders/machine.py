from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

from praxis.backend.models.orm import MachineOrm
from praxis.backend.repositories.machine import MachineRepository
from tests.builders.base import Builder, Parent, unique_name

if TYPE_CHECKING:
    from tests.builders.fields import MachineFields


class MachineBuilder(Builder[MachineOrm, MachineRepository]):
    repository_name = "machine"
    parents = {"workcell": Parent("workcell", fk="workcell_id", relationship="workcell")}

    if TYPE_CHECKING:  # the fields it takes, for type checkers and editors: fields.py

        def build(self, **overrides: Unpack[MachineFields]) -> MachineOrm: ...
        async def create(self, **overrides: Unpack[MachineFields]) -> MachineOrm: ...
        async def create_batch(self, n: int, **overrides: Unpack[MachineFields]) -> list[MachineOrm]: ...

    def defaults(self) -> dict[str, Any]:
        return {
            "name": unique_name("machine"),
            "fqn": "pylabrobot.liquid_handling.LiquidHandler",
            "connection_info": {"backend": "pylabrobot.liquid_handling.backends.ChatterboxBackend"},
        }
