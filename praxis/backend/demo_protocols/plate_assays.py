"""Example protocols for the demo lab: a serial dilution and an absorbance read, both of which run to
completion in simulation (``praxis db seed-demo``, then queue a run of either).

PyLabRobot is imported for type checking only: discovery reads the annotations to learn which machines
and labware each protocol needs, and the worker builds them for the run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from praxis.backend.protocols import current_run, protocol, protocol_function

if TYPE_CHECKING:
    from pylabrobot.liquid_handling import LiquidHandler
    from pylabrobot.plate_reading import PlateReader
    from pylabrobot.resources import Plate, TipRack, TipSpot, Well

#: a protocol's log lines (INFO and up) become ``log`` events of its run
log = logging.getLogger(__name__)


@protocol_function
async def transfer(lh: LiquidHandler, tip: TipSpot, source: Well, target: Well, volume_ul: float) -> float:
    """One column-to-column transfer with a fresh tip; each step is logged under it."""
    await lh.pick_up_tips([tip])
    await lh.aspirate([source], vols=[volume_ul])
    await lh.dispense([target], vols=[volume_ul])
    await lh.discard_tips()
    return volume_ul


@protocol(name="serial_dilution", version="1.1.0")
async def serial_dilution(
    lh: LiquidHandler,
    plate: Plate,
    tips: TipRack,
    start_volume_ul: float,
    dilution_factor: float = 2.0,
    columns: int = 12,
) -> dict[str, float]:
    """Dilute along row A of a plate, a fresh tip for every transfer."""
    volume = start_volume_ul / dilution_factor
    for column in range(1, columns):
        await transfer(lh, tips[f"A{column}"][0], plate[f"A{column}"][0], plate[f"A{column + 1}"][0], volume)
        current_run().progress(column, columns - 1, f"A{column} -> A{column + 1}")  # a bar for watchers
    return {"transfers": columns - 1, "volume_ul": volume}


@protocol_function
async def read_absorbance(reader: PlateReader, wavelength_nm: int) -> list[list[float]]:
    return await reader.read_absorbance(wavelength=wavelength_nm)  # type: ignore[no-any-return]


@protocol(name="absorbance_read", version="1.1.0", description="Read a plate's absorbance at one wavelength.")
async def absorbance_read(reader: PlateReader, plate: Plate, wavelength_nm: int = 600) -> dict[str, int]:
    values = await read_absorbance(reader, wavelength_nm)
    wells = current_run().record_plate(f"absorbance_{wavelength_nm}nm", values, plate=plate, unit="OD")
    log.info("read %d wells of %s at %d nm", wells, plate.name, wavelength_nm)
    return {"wells_read": wells}
