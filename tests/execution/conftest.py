"""A lab that can run the demo protocols: a workcell with a liquid handler and a plate reader, a plate
and a tip rack, and the demo protocols in the catalog."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from praxis.backend.models.orm import ProtocolDefinitionOrm, WorkcellOrm
from praxis.backend.repositories import Repositories
from praxis.backend.services.demo import DEMO_PROTOCOLS
from praxis.backend.services.discovery import DiscoveryService
from tests.builders import Builders

PLATE = "pylabrobot.resources.corning.plates.cor_96_wellplate_360uL_Fb"
TIPS = "pylabrobot.resources.hamilton.tip_racks.hamilton_96_tiprack_1000uL"


@dataclass
class Lab:
    workcell: WorkcellOrm
    dilution: ProtocolDefinitionOrm
    read: ProtocolDefinitionOrm


async def build_lab(repos: Builders, repositories: Repositories) -> Lab:
    workcell = await repos.workcell.create(name="assay cell")
    await repos.machine.create(workcell=workcell, name="star", fqn="pylabrobot.liquid_handling.LiquidHandler")
    await repos.machine.create(workcell=workcell, name="reader", fqn="pylabrobot.plate_reading.PlateReader")
    plate_type = await repos.resource_definition.create(fqn=PLATE)
    tip_type = await repos.resource_definition.create(fqn=TIPS)
    await repos.resource.create(workcell=workcell, resource_definition=plate_type, name="plate_01")
    await repos.resource.create(workcell=workcell, resource_definition=tip_type, name="tips_01")
    found = await DiscoveryService(repositories).discover_and_upsert_protocols(DEMO_PROTOCOLS)
    by_name = {d.name: d for d in found.definitions}
    return Lab(workcell, by_name["serial_dilution"], by_name["absorbance_read"])


@pytest.fixture
async def lab(repos: Builders, repositories: Repositories) -> Lab:
    return await build_lab(repos, repositories)
