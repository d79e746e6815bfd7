from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

from praxis.backend.models.orm import ProtocolDefinitionOrm
from praxis.backend.repositories.protocol_definition import ProtocolDefinitionRepository
from tests.builders.base import Builder, unique_name

if TYPE_CHECKING:
    from tests.builders.fields import ProtocolDefinitionFields


class ProtocolDefinitionBuilder(Builder[ProtocolDefinitionOrm, ProtocolDefinitionRepository]):
    repository_name = "protocol_definition"

    if TYPE_CHECKING:  # the fields it takes, for type checkers and editors: fields.py

        def build(self, **overrides: Unpack[ProtocolDefinitionFields]) -> ProtocolDefinitionOrm: ...
        async def create(self, **overrides: Unpack[ProtocolDefinitionFields]) -> ProtocolDefinitionOrm: ...
        async def create_batch(
            self, n: int, **overrides: Unpack[ProtocolDefinitionFields]
        ) -> list[ProtocolDefinitionOrm]: ...

    def defaults(self) -> dict[str, Any]:
        name = unique_name("protocol").replace("-", "_")
        return {
            "name": name,
            "fqn": f"lab_protocols.transfers.{name}",
            "version": "1.0.0",
            "description": "Transfer liquid from a source plate to a destination plate.",
            "module_name": "lab_protocols.transfers",
            "function_name": name,
            "parameters": [
                {"name": "volume_ul", "type_hint": "float", "default": None, "optional": False},
                {"name": "mix", "type_hint": "bool", "default": "False", "optional": True},
            ],
            "required_assets": [
                {"name": "lh", "type_hint": "pylabrobot.liquid_handling.LiquidHandler", "optional": False}
            ],
        }
