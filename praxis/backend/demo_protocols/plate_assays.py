"""Example protocols for the demo lab: a serial dilution and an absorbance read.

PyLabRobot is imported for type checking only, so the file can be discovered on a server without
PyLabRobot installed; discovery still records the machines and labware each protocol needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from praxis.backend.protocols import protocol

if TYPE_CHECKING:
    from pylabrobot.liquid_handling import LiquidHandler
    from pylabrobot.plate_reading import PlateReader
    from pylabrobot.resources import Plate, TipRack


@protocol(name="serial_dilution", version="1.0.0")
async def serial_dilution(
    lh: LiquidHandler,
    plate: Plate,
    tips: TipRack,
    start_volume_ul: float,
    dilution_factor: float = 2.0,
    columns: int = 12,
) -> None:
    """Dilute across a plate's columns, a fresh tip for every transfer."""
    volume = start_volume_ul / dilution_factor
    for column in range(1, columns):
        await lh.pick_up_tips(tips[f"A{column}"])
        await lh.aspirate(plate[f"A{column}"], vols=[volume])
        await lh.dispense(plate[f"A{column + 1}"], vols=[volume])
        await lh.discard_tips()


@protocol(name="absorbance_read", version="1.0.0", description="Read a plate's absorbance at one wavelength.")
async def absorbance_read(reader: PlateReader, plate: Plate, wavelength_nm: int = 600) -> list[list[float]]:
    return await reader.read_absorbance(wavelength=wavelength_nm)  # type: ignore[no-any-return]
