"""The catalog stays consistent across scans (hashes, assets), and a decorated protocol still runs as a function."""

from __future__ import annotations

from pathlib import Path

import pytest

from praxis.backend.protocols import ProtocolMetadata, get_protocol_metadata, protocol
from praxis.backend.services.discovery import DiscoveryService
from tests.builders import Builders
from tests.protocol_files import write
from tests.services.discovery.sources import (
    READING,
    SERIAL_DILUTION,
    TRANSFERS,
    sha256,
    snapshot,
)


async def test_discovering_twice_changes_nothing(
    service: DiscoveryService, repos: Builders, tmp_path: Path
) -> None:
    write(tmp_path, "transfers.py", TRANSFERS)
    write(tmp_path, "plates/reading.py", READING)
    write(tmp_path, "scripts/cleanup.py", "def rinse(cycles: int = 2) -> None:\n    '''Rinse.'''\n")

    first = await service.discover_and_upsert_protocols(tmp_path)
    first_rows = snapshot(first.definitions)
    count = await repos.protocol_definition.count()

    second = await service.discover_and_upsert_protocols(tmp_path)

    assert second.errors == first.errors == []
    assert snapshot(second.definitions) == first_rows
    assert len(first_rows) == 4
    assert await repos.protocol_definition.count() == count
    stored = await repos.protocol_definition.list({"accession_id": [row.accession_id for row in first_rows]})
    assert snapshot(stored) == first_rows


async def test_changed_function_body_updates_source_hash_in_place(
    service: DiscoveryService, repos: Builders, tmp_path: Path
) -> None:
    path = write(tmp_path, "transfers.py", TRANSFERS)
    first = await service.discover_and_upsert_protocols(tmp_path)
    before = {row.fqn: row for row in snapshot(first.definitions)}
    count = await repos.protocol_definition.count()

    edited_dilution = SERIAL_DILUTION.replace(
        "    return [volume_ul / 2**step for step in range(steps)]\n",
        "    halves = [volume_ul / 2**step for step in range(steps)]\n    return halves[::-1]\n",
    )
    assert edited_dilution != SERIAL_DILUTION
    path.write_text(TRANSFERS.replace(SERIAL_DILUTION, edited_dilution))

    second = await service.discover_and_upsert_protocols(tmp_path)
    after = {row.fqn: row for row in snapshot(second.definitions)}

    assert await repos.protocol_definition.count() == count
    dilution = await repos.protocol_definition.repository.get_by_fqn("transfers.serial_dilution", "1.2.0")
    assert dilution is not None
    assert dilution.accession_id == before["transfers.serial_dilution"].accession_id
    assert dilution.source_hash == sha256(edited_dilution) != before["transfers.serial_dilution"].source_hash
    assert dilution.updated_at > before["transfers.serial_dilution"].updated_at
    assert dilution.created_at < dilution.updated_at
    # the hash covers one function only: its neighbour in the same file is left as it was
    assert after["transfers.mix_wells"] == before["transfers.mix_wells"]


async def test_required_assets_are_the_pylabrobot_typed_parameters(
    service: DiscoveryService, repos: Builders, tmp_path: Path
) -> None:
    write(
        tmp_path,
        "assets_future.py",
        '''\
        from __future__ import annotations

        from typing import TYPE_CHECKING, Optional

        from praxis.backend.protocols import protocol

        if TYPE_CHECKING:
            import pylabrobot.resources as res
            from pylabrobot.liquid_handling import LiquidHandler as LH
            from pylabrobot.resources import Plate, TipRack


        class Settings:
            speed: int = 1


        @protocol(name="stamp")
        async def stamp(
            lh: LH,
            source: Plate,
            target: res.Plate | None = None,
            tips: Optional[TipRack] = None,
            volume_ul: float = 20.0,
            settings: Settings | None = None,
            plates: list[Plate] | None = None,
        ) -> None:
            """Stamp one plate onto another."""
        ''',
    )
    write(
        tmp_path,
        "assets_strings.py",
        '''\
        def read_plate(
            reader: "pylabrobot.plate_reading.PlateReader",
            plate: "pylabrobot.resources.Plate",
            wavelength_nm: "int" = 600,
        ) -> None:
            """Read one plate."""
        ''',
    )

    result = await service.discover_and_upsert_protocols(tmp_path)
    assert result.errors == []

    stamp = await repos.protocol_definition.repository.get_by_fqn("assets_future.stamp")
    assert stamp is not None
    assert stamp.required_assets == [
        {"name": "lh", "type_hint": "pylabrobot.liquid_handling.LiquidHandler", "optional": False},
        {"name": "source", "type_hint": "pylabrobot.resources.Plate", "optional": False},
        {"name": "target", "type_hint": "pylabrobot.resources.Plate | None", "optional": True},
        {"name": "tips", "type_hint": "Optional[pylabrobot.resources.TipRack]", "optional": True},
    ]
    assert stamp.parameters == [
        {"name": "volume_ul", "type_hint": "float", "default": "20.0", "optional": True},
        {"name": "settings", "type_hint": "Settings | None", "default": "None", "optional": True},
        # a list of plates is a value the user picks, not one asset the workcell allocates
        {
            "name": "plates",
            "type_hint": "list[pylabrobot.resources.Plate] | None",
            "default": "None",
            "optional": True,
        },
    ]

    reader = await repos.protocol_definition.repository.get_by_fqn("assets_strings.read_plate")
    assert reader is not None
    assert reader.is_inferred is True
    assert reader.required_assets == [
        {"name": "reader", "type_hint": "pylabrobot.plate_reading.PlateReader", "optional": False},
        {"name": "plate", "type_hint": "pylabrobot.resources.Plate", "optional": False},
    ]
    assert reader.parameters == [
        {"name": "wavelength_nm", "type_hint": "int", "default": "600", "optional": True}
    ]


async def test_decorated_protocol_still_runs_as_a_normal_function() -> None:
    def transfer(volume_ul: float, times: int = 2) -> float:
        return volume_ul * times

    decorated = protocol(name="transfer", version="1.0.0", description="Move liquid.")(transfer)
    assert decorated is transfer
    assert transfer(25.0) == 50.0
    assert transfer(10.0, times=3) == 30.0
    assert get_protocol_metadata(transfer) == ProtocolMetadata("transfer", "1.0.0", "Move liquid.")

    @protocol
    async def incubate(minutes: int) -> str:
        """Bare decorator form."""
        return f"incubated {minutes} min"

    assert await incubate(5) == "incubated 5 min"
    assert incubate.__name__ == "incubate"
    assert incubate.__doc__ == "Bare decorator form."
    assert get_protocol_metadata(incubate) == ProtocolMetadata()
    assert get_protocol_metadata(lambda: None) is None

    with pytest.raises(ValueError, match="version"):
        protocol(version=" ")
    with pytest.raises(TypeError, match="decorates functions"):
        protocol()(type("NotAFunction", (), {}))
