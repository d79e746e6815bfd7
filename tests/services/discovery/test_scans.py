"""What a scan stores, one test per behaviour: found, inferred, none, a missing directory, an import error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from praxis.backend.errors import InvalidValueError
from praxis.backend.services.discovery import DiscoveryService
from tests.builders import Builders
from tests.protocol_files import write
from tests.services.discovery.sources import (
    MIX_WELLS,
    READING,
    SERIAL_DILUTION,
    TRANSFERS,
    sha256,
)


async def test_discover_and_upsert_protocols_successfully(
    service: DiscoveryService, repos: Builders, tmp_path: Path
) -> None:
    transfers = write(tmp_path, "transfers.py", TRANSFERS)
    reading = write(tmp_path, "plates/reading.py", READING)
    before = await repos.protocol_definition.count()

    result = await service.discover_and_upsert_protocols(tmp_path)

    assert result.errors == []
    assert sorted(d.fqn for d in result.definitions) == [
        "plates.reading.read_absorbance",
        "transfers.mix_wells",
        "transfers.serial_dilution",
    ]
    assert await repos.protocol_definition.count() == before + 3

    dilution = await repos.protocol_definition.repository.get_by_fqn("transfers.serial_dilution", "1.2.0")
    assert dilution is not None
    assert dilution.name == "serial_dilution"
    assert dilution.version == "1.2.0"
    assert dilution.description == "Two-fold serial dilution along a row."
    assert dilution.module_name == "transfers"
    assert dilution.function_name == "serial_dilution"
    assert dilution.source_file_path == str(transfers.resolve())
    assert dilution.source_hash == sha256(SERIAL_DILUTION)
    assert dilution.is_inferred is False
    assert dilution.parameters == [
        {"name": "volume_ul", "type_hint": "float", "default": "50.0", "optional": True},
        {"name": "steps", "type_hint": "int", "default": "8", "optional": True},
    ]
    assert dilution.required_assets == [
        {"name": "lh", "type_hint": "pylabrobot.liquid_handling.LiquidHandler", "optional": False},
        {"name": "plate", "type_hint": "pylabrobot.resources.Plate", "optional": False},
    ]

    mix = await repos.protocol_definition.repository.get_by_fqn("transfers.mix_wells")
    assert mix is not None
    assert (mix.name, mix.version, mix.is_inferred) == ("mix_wells", "0.1.0", False)
    assert mix.description == "Mix every well of the plate.\n\nUsed before reading, so the signal is even."
    assert mix.source_hash == sha256(MIX_WELLS)
    assert mix.parameters == [
        {"name": "cycles", "type_hint": "int", "default": None, "optional": False},
        {"name": "speed", "type_hint": "str", "default": "'fast'", "optional": True},
    ]
    assert mix.required_assets == []

    absorbance = await repos.protocol_definition.repository.get_by_fqn(
        "plates.reading.read_absorbance", "2.0.0"
    )
    assert absorbance is not None
    assert absorbance.module_name == "plates.reading"
    assert absorbance.source_file_path == str(reading.resolve())
    assert absorbance.description == "Read absorbance of the whole plate."
    assert absorbance.parameters == [
        {"name": "wavelength_nm", "type_hint": "int", "default": "450", "optional": True},
        {"name": "label", "type_hint": None, "default": "None", "optional": True},
    ]

    # the file marks protocols, so its unmarked public function is not one
    assert await repos.protocol_definition.repository.get_by_fqn("transfers.volume_after") is None


async def test_discover_and_upsert_protocols_inferred(
    service: DiscoveryService, repos: Builders, tmp_path: Path
) -> None:
    write(
        tmp_path,
        "scripts/cleanup.py",
        '''\
        from os.path import join
        from textwrap import dedent as imported_dedent

        WASH_CYCLES = 3


        class Washer:
            def wash(self) -> None: ...


        def wash_plate(plate: "pylabrobot.resources.Plate", cycles: int = WASH_CYCLES) -> None:
            """Wash a plate.

            Repeats the wash cycles.
            """


        async def prime_lines(volume_ml: float):
            return volume_ml


        def _internal() -> None: ...


        shortcut = wash_plate
        square = lambda x: x * x
        ''',
    )

    result = await service.discover_and_upsert_protocols(tmp_path)

    assert result.errors == []
    assert [d.fqn for d in result.definitions] == [
        "scripts.cleanup.wash_plate",
        "scripts.cleanup.prime_lines",
    ]
    stored = await repos.protocol_definition.list({"module_name": "scripts.cleanup"}, order_by="name")
    assert [d.name for d in stored] == ["prime_lines", "wash_plate"]
    assert all(d.is_inferred for d in stored)
    assert all(d.version == "0.1.0" for d in stored)

    prime, wash = stored
    assert prime.description is None
    assert prime.parameters == [
        {"name": "volume_ml", "type_hint": "float", "default": None, "optional": False}
    ]
    assert wash.description == "Wash a plate.\n\nRepeats the wash cycles."
    assert wash.function_name == "wash_plate"
    assert wash.parameters == [{"name": "cycles", "type_hint": "int", "default": "3", "optional": True}]
    assert wash.required_assets == [
        {"name": "plate", "type_hint": "pylabrobot.resources.Plate", "optional": False}
    ]
    # imported functions, private ones, aliases, lambdas and methods are not protocols
    for name in ("join", "imported_dedent", "_internal", "shortcut", "square", "wash"):
        assert await repos.protocol_definition.repository.get_by_fqn(f"scripts.cleanup.{name}") is None


async def test_discover_and_upsert_protocols_no_protocols_found(
    service: DiscoveryService, repos: Builders, tmp_path: Path
) -> None:
    write(tmp_path, "constants.py", "PLATE_WELLS = 96\n\nclass Layout:\n    rows = 8\n")
    write(tmp_path, "_shared.py", "def dilute(volume: float) -> float:\n    return volume / 2\n")
    write(tmp_path, "notes.txt", "def not_python(): ...\n")
    write(tmp_path, "__pycache__/stale.py", "def cached(): ...\n")
    write(tmp_path, ".venv/lib/tool.py", "def installed(): ...\n")
    (tmp_path / "empty").mkdir()
    before = await repos.protocol_definition.count()

    result = await service.discover_and_upsert_protocols(tmp_path)

    assert result.definitions == []
    assert result.errors == []
    assert await repos.protocol_definition.count() == before
    assert not await repos.protocol_definition.exists(source_file_path__contains=str(tmp_path))

    empty = await service.discover_and_upsert_protocols(tmp_path / "empty")
    assert (empty.definitions, empty.errors) == ([], [])


async def test_discover_and_upsert_protocols_directory_not_exist(
    service: DiscoveryService, repos: Builders, tmp_path: Path
) -> None:
    missing = tmp_path / "no_such_protocols"
    before = await repos.protocol_definition.count()

    with pytest.raises(InvalidValueError) as raised:
        await service.discover_and_upsert_protocols(missing)
    assert raised.value.field == "path"
    assert str(missing) in raised.value.message
    assert "does not exist" in raised.value.message

    a_file = write(tmp_path, "single.py", "def run() -> None: ...\n")
    with pytest.raises(InvalidValueError) as raised:
        await service.discover_and_upsert_protocols(str(a_file))
    assert raised.value.field == "path"
    assert str(a_file) in raised.value.message
    assert "not a directory" in raised.value.message

    assert await repos.protocol_definition.count() == before


async def test_discover_and_upsert_protocols_import_error(
    service: DiscoveryService, repos: Builders, tmp_path: Path
) -> None:
    write(tmp_path, "good.py", READING)
    syntax = write(tmp_path, "broken/syntax_error.py", "def run(:\n    pass\n")
    missing = write(
        tmp_path, "broken/missing_dependency.py", "import praxis_no_such_module\n\ndef run(): ...\n"
    )
    raises = write(
        tmp_path,
        "broken/raises.py",
        "def run(): ...\n\nraise RuntimeError('deck calibration file missing')\n",
    )
    exits = write(tmp_path, "broken/exits.py", "import sys\n\nsys.exit(3)\n")
    bad_version = write(
        tmp_path,
        "broken/bad_version.py",
        "from praxis.backend.protocols import protocol\n\n@protocol(version='')\ndef run(): ...\n",
    )
    modules_before = set(sys.modules)

    result = await service.discover_and_upsert_protocols(tmp_path)

    assert [d.fqn for d in result.definitions] == ["good.read_absorbance"]
    assert await repos.protocol_definition.repository.get_by_fqn("good.read_absorbance", "2.0.0") is not None
    assert not await repos.protocol_definition.exists(fqn__contains="broken.")

    errors = {error.path: error.error for error in result.errors}
    assert set(errors) == {
        syntax.resolve(),
        missing.resolve(),
        raises.resolve(),
        exits.resolve(),
        bad_version.resolve(),
    }
    assert errors[syntax.resolve()].startswith("SyntaxError: ")
    assert "line 1" in errors[syntax.resolve()]
    assert errors[missing.resolve()].startswith(
        "ModuleNotFoundError: No module named 'praxis_no_such_module'"
    )
    assert errors[raises.resolve()] == ("RuntimeError: deck calibration file missing (at broken/raises.py:3)")
    assert errors[exits.resolve()].startswith("SystemExit: 3")
    assert errors[bad_version.resolve()].startswith("ValueError: protocol version must be a non-empty string")
    # nothing the scan imported stays importable under its private name
    assert {name for name in set(sys.modules) - modules_before if "discovery" in name} == set()
