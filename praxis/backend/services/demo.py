"""A small, realistic lab so a new installation's API is not empty: ``praxis db seed-demo``.

It shows what each part of the API records: a carrier on a deck position holding a plate and tip
racks, a finished run with its duration, initial and final state and data directory, a call log with
calls nested under a transfer, a plate read posted as 96 wells (and readable as a grid at
``/protocols/runs/{id}/outputs/plate?name=absorbance_600nm``), and a plate reader in maintenance
with the reason.

Everything goes through the services, exactly as the API would create it. Loading twice changes
nothing: an existing demo workcell means the lab is already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from praxis.backend import demo_protocols
from praxis.backend.models.orm import CallStatus, MachineStatus, ResourceCategory, WorkcellOrm
from praxis.backend.repositories import Repositories
from praxis.backend.services.data_output import DataOutputService
from praxis.backend.services.deck import DeckDefinitionService, DeckService
from praxis.backend.services.discovery import DiscoveryService
from praxis.backend.services.machine import MachineService
from praxis.backend.services.protocol import ProtocolRunService
from praxis.backend.services.resource import ResourceDefinitionService, ResourceService
from praxis.backend.services.workcell import WorkcellService

DEMO_WORKCELL = "Demo lab: bay 1"
DEMO_PROTOCOLS = Path(demo_protocols.__file__).parent

# A 96-well plate read at 600 nm after a two-fold dilution across the columns.
_ROWS = "ABCDEFGH"


@dataclass(frozen=True)
class DemoLab:
    workcell: WorkcellOrm
    created: bool


async def seed_demo(repos: Repositories) -> DemoLab:
    existing = await repos.workcell.get_by(name=DEMO_WORKCELL)
    if existing is not None:
        return DemoLab(workcell=existing, created=False)

    workcell = await WorkcellService(repos).create(
        {"name": DEMO_WORKCELL, "description": "A liquid handler and a plate reader for plate assays."}
    )
    star = await MachineService(repos).create(
        {
            "name": "STARlet",
            "fqn": "pylabrobot.liquid_handling.LiquidHandler",
            "description": "Hamilton STARlet, 8 channels",
            "workcell_id": workcell.accession_id,
            "connection_info": {"backend": "pylabrobot.liquid_handling.backends.STAR", "usb": "auto"},
        }
    )
    reader = await MachineService(repos).create(
        {
            "name": "CLARIOstar",
            "fqn": "pylabrobot.plate_reading.PlateReader",
            "description": "BMG Labtech CLARIOstar plate reader",
            "workcell_id": workcell.accession_id,
            "connection_info": {"backend": "pylabrobot.plate_reading.clario_star.CLARIOStar"},
        }
    )
    deck_definition = await DeckDefinitionService(repos).create(
        {
            "name": "Hamilton STARlet deck",
            "fqn": "pylabrobot.resources.hamilton.STARLetDeck",
            "size_x_mm": 1360.0,
            "size_y_mm": 653.5,
            "size_z_mm": 900.0,
            "positions": [
                {
                    "name": f"rail-{rail}",
                    "x_mm": 100.0 + 22.5 * (rail - 1),
                    "y_mm": 63.0,
                    "z_mm": 100.0,
                    "allowed_resource_categories": ["carrier"],
                }
                for rail in range(1, 31)
            ],
        }
    )
    deck = await DeckService(repos).create(
        {
            "name": "STARlet deck",
            "machine_id": star.accession_id,
            "deck_definition_id": deck_definition.accession_id,
        }
    )

    definitions = ResourceDefinitionService(repos)
    plate_type = await definitions.create(
        {
            "name": "Corning 96-well plate 360 uL flat bottom",
            "fqn": "pylabrobot.resources.corning.plates.cor_96_wellplate_360uL_Fb",
            "category": ResourceCategory.PLATE,
            "size_x_mm": 127.76,
            "size_y_mm": 85.48,
            "size_z_mm": 14.2,
            "nominal_volume_ul": 360.0,
        }
    )
    tip_type = await definitions.create(
        {
            "name": "Hamilton 1000 uL tips",
            "fqn": "pylabrobot.resources.hamilton.tip_racks.hamilton_96_tiprack_1000uL",
            "category": ResourceCategory.TIP_RACK,
            "size_x_mm": 122.4,
            "size_y_mm": 82.6,
            "size_z_mm": 20.0,
            "nominal_volume_ul": 1000.0,
        }
    )
    carrier_type = await definitions.create(
        {
            "name": "Plate carrier, 5 positions",
            "fqn": "pylabrobot.resources.hamilton.PLT_CAR_L5AC_A00",
            "category": ResourceCategory.CARRIER,
            "is_consumable": False,
        }
    )
    resources = ResourceService(repos)
    carrier = await resources.create(
        {
            "name": "plate carrier 1",
            "resource_definition_id": carrier_type.accession_id,
            "workcell_id": workcell.accession_id,
            "deck_id": deck.accession_id,
            "position_name": "rail-7",
        }
    )
    plate = await resources.create(
        {
            "name": "assay plate 1",
            "resource_definition_id": plate_type.accession_id,
            "workcell_id": workcell.accession_id,
            "parent_id": carrier.accession_id,
            "position_name": "1",
        }
    )
    for slot in ("2", "3"):
        await resources.create(
            {
                "name": f"tip rack {slot}",
                "resource_definition_id": tip_type.accession_id,
                "workcell_id": workcell.accession_id,
                "parent_id": carrier.accession_id,
                "position_name": slot,
            }
        )

    discovered = await DiscoveryService(repos).discover_and_upsert_protocols(DEMO_PROTOCOLS)
    dilution = next(d for d in discovered.definitions if d.name == "serial_dilution")

    runs = ProtocolRunService(repos)
    run = await runs.create(
        {
            "protocol_definition_id": dilution.accession_id,
            "workcell_id": workcell.accession_id,
            "name": "Serial dilution, first demo run",
            "input_parameters": {"start_volume_ul": 200.0},
            "data_directory_path": "/var/lib/praxis/runs/serial-dilution-1",
        }
    )
    run = await runs.transition(
        run.accession_id, "start", initial_state_json={"deck": {"rail-7": carrier.name}, "door": "closed"}
    )
    # A transfer made of nested steps, as a protocol's call log shows it.
    transfer = await runs.log_call(
        run.accession_id, {"function_name": "serial_transfer", "arguments": {"columns": 12, "volume_ul": 100}}
    )
    for function_name in ("pick_up_tips", "aspirate", "dispense", "discard_tips"):
        step = await runs.log_call(
            run.accession_id,
            {"function_name": function_name, "parent_function_call_log_id": transfer.accession_id},
        )
        await runs.end_call(run.accession_id, step.accession_id, {"status": CallStatus.COMPLETED})
    await runs.end_call(run.accession_id, transfer.accession_id, {"return_value": {"columns_diluted": 12}})
    read = await runs.log_call(
        run.accession_id, {"function_name": "read_absorbance", "arguments": {"nm": 600}}
    )

    # The reader's 96 values, row by row, become 96 well outputs in one INSERT.
    await DataOutputService(repos).create_wells(
        {
            "protocol_run_id": run.accession_id,
            "name": "absorbance_600nm",
            "values": [
                round(0.05 + 200.0 / 2 ** (column - 1) / 250 + row_index * 0.002, 4)
                for row_index in range(len(_ROWS))
                for column in range(1, 13)
            ],
            "unit": "OD600",
            "data_quality_score": 0.98,
            "function_call_id": read.accession_id,
            "machine_id": reader.accession_id,
            "deck_id": deck.accession_id,
            "resource_id": plate.accession_id,
            "spatial_context": {"plate": plate.name, "carrier": carrier.name},
        }
    )
    await runs.end_call(run.accession_id, read.accession_id, {"return_value": {"wells_read": 96}})
    await runs.transition(
        run.accession_id,
        "complete",
        output_data={"wells_read": 96},
        final_state_json={"deck": {"rail-7": carrier.name}, "door": "closed", "plate": "read"},
    )
    # A second reader whose lamp is due: a status with the reason a lab needs to see (and a machine
    # that no run is given while it is in maintenance).
    await MachineService(repos).create(
        {
            "name": "CLARIOstar (spare)",
            "fqn": "pylabrobot.plate_reading.PlateReader",
            "workcell_id": workcell.accession_id,
            "status": MachineStatus.MAINTENANCE,
            "status_details": "lamp replacement due (2,000 h)",
        }
    )
    return DemoLab(workcell=workcell, created=True)
