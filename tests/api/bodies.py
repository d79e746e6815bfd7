"""Request bodies the API tests send: a valid body of each kind, with the rows it refers to made
through ``repos``, so the collection table (``collection_specs``) and the per-collection test modules
make requests alike; and the PyLabRobot names they use."""

from __future__ import annotations

from typing import Any

from praxis.backend.models.orm import RunStatus
from tests.builders import Builders

STAR = "pylabrobot.liquid_handling.LiquidHandler"
READER = "pylabrobot.plate_reading.PlateReader"
SHAKER = "pylabrobot.heating_shaking.HeaterShaker"
PLATE_FQN = "pylabrobot.resources.corning_costar.Cor_96_wellplate_360ul_Fb"
STARLET = "pylabrobot.resources.hamilton.STARLetDeck"
OT2 = "pylabrobot.resources.opentrons.OTDeck"
PROTOCOL_FQN = "lab_protocols.dilution.serial_dilution"


def plate_type(**overrides: Any) -> dict[str, Any]:
    """A resource definition (labware type) body."""
    return {"name": "Corning 96 flat", "fqn": PLATE_FQN, "category": "plate", **overrides}


def deck_definition(**overrides: Any) -> dict[str, Any]:
    """A deck definition body with two positions."""
    return {
        "name": "STARlet deck",
        "fqn": STARLET,
        "positions": [{"name": "rail-1", "x_mm": 100.0}, {"name": "rail-2", "x_mm": 122.5}],
        **overrides,
    }


def definition_body(**overrides: Any) -> dict[str, Any]:
    """A protocol definition body with one required parameter, ``volume_ul``."""
    return {
        "name": "serial_dilution",
        "fqn": PROTOCOL_FQN,
        "version": "1.2.0",
        "parameters": [{"name": "volume_ul", "type_hint": "float", "optional": False}],
        **overrides,
    }


async def resource_body(repos: Builders, **overrides: Any) -> dict[str, Any]:
    """A labware body of a new labware type."""
    definition = await repos.resource_definition.create()
    return {"name": "plate", "resource_definition_id": str(definition.accession_id), **overrides}


async def deck_body(repos: Builders, **overrides: Any) -> dict[str, Any]:
    """A deck body on a new machine and deck type."""
    machine = await repos.machine.create()
    deck_definition = await repos.deck_definition.create()
    return {
        "name": "deck-1",
        "machine_id": str(machine.accession_id),
        "deck_definition_id": str(deck_definition.accession_id),
        **overrides,
    }


async def run_body(repos: Builders, **overrides: Any) -> dict[str, Any]:
    """A run body of a new protocol, giving its required parameter."""
    definition = await repos.protocol_definition.create()
    return {
        "protocol_definition_id": str(definition.accession_id),
        "input_parameters": {"volume_ul": 1},
        **overrides,
    }


async def output_body(repos: Builders, **overrides: Any) -> dict[str, Any]:
    """A numeric output body of a new running run."""
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    return {
        "protocol_run_id": str(run.accession_id),
        "name": "absorbance_600nm",
        "numeric_value": 0.73,
        **overrides,
    }
