from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

from praxis.backend.models.orm import ResourceCategory, ResourceDefinitionOrm
from praxis.backend.repositories.resource_definition import ResourceDefinitionRepository
from tests.builders.base import Builder, unique_name

if TYPE_CHECKING:
    from tests.builders.fields import ResourceDefinitionFields


class ResourceDefinitionBuilder(Builder[ResourceDefinitionOrm, ResourceDefinitionRepository]):
    repository_name = "resource_definition"

    if TYPE_CHECKING:  # the fields it takes, for type checkers and editors: fields.py

        def build(self, **overrides: Unpack[ResourceDefinitionFields]) -> ResourceDefinitionOrm: ...
        async def create(self, **overrides: Unpack[ResourceDefinitionFields]) -> ResourceDefinitionOrm: ...
        async def create_batch(
            self, n: int, **overrides: Unpack[ResourceDefinitionFields]
        ) -> list[ResourceDefinitionOrm]: ...

    def defaults(self) -> dict[str, Any]:
        return {
            "name": unique_name("resource-definition"),
            "fqn": "pylabrobot.resources.corning_costar.Cor_96_wellplate_360ul_Fb",
            "category": ResourceCategory.PLATE,
            "is_consumable": True,
            "size_x_mm": 127.76,
            "size_y_mm": 85.48,
            "size_z_mm": 14.2,
            "nominal_volume_ul": 360.0,
        }
