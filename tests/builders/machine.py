from __future__ import annotations

from typing import Any

from praxis.backend.models.orm import MachineOrm
from praxis.backend.repositories.machine import MachineRepository
from tests.builders.base import Builder, Parent, unique_name


class MachineBuilder(Builder[MachineOrm]):
    repository_name = "machine"
    repository: MachineRepository
    parents = {"workcell": Parent("workcell", fk="workcell_id", relationship="workcell")}

    def defaults(self) -> dict[str, Any]:
        return {
            "name": unique_name("machine"),
            "fqn": "pylabrobot.liquid_handling.LiquidHandler",
            "connection_info": {"backend": "pylabrobot.liquid_handling.backends.ChatterboxBackend"},
        }
