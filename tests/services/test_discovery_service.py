"""Protocol discovery against the real database: what a scan stores, and what it refuses.

Protocol files are written into ``tmp_path`` by each test, so every test shows the exact source it
scans and can edit it between scans; rows are read back through ``repos.protocol_definition``.
"""

from __future__ import annotations

import hashlib
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import pytest

from praxis.backend.errors import ForbiddenError, InvalidValueError
from praxis.backend.models.orm import ProtocolDefinitionOrm
from praxis.backend.protocols import ProtocolMetadata, get_protocol_metadata, protocol
from praxis.backend.repositories import Repositories
from praxis.backend.services.discovery import DiscoveryService
from tests.builders import Builders
from tests.protocol_files import write

# -- protocol sources, kept as blocks so a test can hash exactly what inspect.getsource will see --------

SERIAL_DILUTION = '''\
@protocol(name="serial_dilution", version="1.2.0", description="Two-fold serial dilution along a row.")
async def serial_dilution(
    lh: "pylabrobot.liquid_handling.LiquidHandler",
    plate: "pylabrobot.resources.Plate",
    volume_ul: float = 50.0,
    steps: int = 8,
) -> list[float]:
    """Docstring that the decorator's description overrides."""
    return [volume_ul / 2**step for step in range(steps)]
'''

MIX_WELLS = '''\
@protocol()
def mix_wells(cycles: int, speed: str = "fast") -> int:
    """Mix every well of the plate.

    Used before reading, so the signal is even.
    """
    return cycles
'''

TRANSFERS = f'''\
from praxis.backend.protocols import protocol


{SERIAL_DILUTION}

{MIX_WELLS}

def volume_after(steps: int) -> float:
    """Public but unmarked: this file marks protocols, so it is only a helper."""
    return 50.0 / 2**steps
'''

READING = '''\
from praxis.backend.protocols import protocol


@protocol(version="2.0.0")
def read_absorbance(wavelength_nm: int = 450, label=None):
    """Read absorbance of the whole plate."""
    return wavelength_nm
'''


def cache_directories(root: Path) -> list[Path]:
    return list(root.rglob("__pycache__"))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Stored(NamedTuple):
    """A row's identity and change markers, copied out of the ORM object."""

    fqn: str
    version: str
    accession_id: uuid.UUID
    updated_at: datetime
    source_hash: str | None


def snapshot(definitions: list[ProtocolDefinitionOrm]) -> list[Stored]:
    """Plain values, taken before a later scan refreshes the same identity-mapped objects."""
    return sorted(Stored(d.fqn, d.version, d.accession_id, d.updated_at, d.source_hash) for d in definitions)


@pytest.fixture
def service(repositories: Repositories) -> DiscoveryService:
    return DiscoveryService(repositories)


# -- the five named behaviours ------------------------------------------------------------------------


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


# -- catalog consistency ------------------------------------------------------------------------------


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


# -- the decorator ------------------------------------------------------------------------------------


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


# -- isolation of scanned modules ---------------------------------------------------------------------


async def test_same_named_files_in_different_directories_do_not_collide(
    service: DiscoveryService, repos: Builders, tmp_path: Path
) -> None:
    write(tmp_path / "lab_a", "transfers.py", "def run() -> str:\n    '''Lab A.'''\n    return 'a'\n")
    write(tmp_path / "lab_b", "transfers.py", "def run() -> str:\n    '''Lab B.'''\n    return 'b'\n")
    modules_before = set(sys.modules)

    first = await service.discover_and_upsert_protocols(tmp_path / "lab_a")
    second = await service.discover_and_upsert_protocols(tmp_path / "lab_b")

    # same fqn and version: the second directory's file replaces the first's definition in place
    assert first.definitions[0].accession_id == second.definitions[0].accession_id
    stored = await repos.protocol_definition.repository.get_by_fqn("transfers.run")
    assert stored is not None
    assert stored.description == "Lab B."
    assert stored.source_file_path == str((tmp_path / "lab_b" / "transfers.py").resolve())
    assert "transfers" not in set(sys.modules) - modules_before
    assert not [name for name in sys.modules if name.startswith("_praxis_discovery_")]


async def test_protocol_files_may_import_their_siblings_relatively(
    service: DiscoveryService, repos: Builders, tmp_path: Path
) -> None:
    write(tmp_path, "_volumes.py", "DEFAULT_VOLUME_UL = 30.0\n")
    write(
        tmp_path,
        "dispensing/fill.py",
        "from .._volumes import DEFAULT_VOLUME_UL\n\n"
        "def fill(volume_ul: float = DEFAULT_VOLUME_UL) -> float:\n    return volume_ul\n",
    )

    result = await service.discover_and_upsert_protocols(tmp_path)

    assert result.errors == []
    fill = await repos.protocol_definition.repository.get_by_fqn("dispensing.fill.fill")
    assert fill is not None
    # compiled from source: nothing is cached into the user's protocol directories
    assert cache_directories(tmp_path) == []
    assert fill.parameters == [
        {"name": "volume_ul", "type_hint": "float", "default": "30.0", "optional": True}
    ]


async def test_a_path_outside_the_allowed_roots_is_refused(
    repos: Builders, repositories: Repositories, tmp_path: Path
) -> None:
    allowed = tmp_path / "allowed"
    write(allowed, "inside.py", "def inside() -> None: ...\n")
    write(tmp_path / "elsewhere", "outside.py", "def outside() -> None: ...\n")
    service = DiscoveryService(repositories, allowed_roots=[allowed])

    with pytest.raises(ForbiddenError) as raised:
        await service.discover_and_upsert_protocols(tmp_path / "elsewhere")
    assert raised.value.field == "path"
    assert "outside the allowed protocol roots" in raised.value.message
    assert await repos.protocol_definition.repository.get_by_fqn("outside.outside") is None

    result = await service.discover_and_upsert_protocols(allowed)
    assert [d.fqn for d in result.definitions] == ["inside.inside"]


async def test_a_broken_package_is_named_as_the_cause_of_its_modules_failing(
    service: DiscoveryService, repos: Builders, tmp_path: Path
) -> None:
    init = write(tmp_path, "plates/__init__.py", "raise ImportError('plate catalog unavailable')\n")
    reading = write(tmp_path, "plates/reading.py", READING)
    write(tmp_path, "transfers.py", TRANSFERS)

    result = await service.discover_and_upsert_protocols(tmp_path)

    errors = {error.path: error.error for error in result.errors}
    assert errors == {
        init.resolve(): "ImportError: plate catalog unavailable (at plates/__init__.py:1)",
        reading.resolve(): "its package 'plates' failed to import: "
        "ImportError: plate catalog unavailable (at plates/__init__.py:1)",
    }
    assert sorted(d.fqn for d in result.definitions) == ["transfers.mix_wells", "transfers.serial_dilution"]
    assert await repos.protocol_definition.repository.get_by_fqn("plates.reading.read_absorbance") is None


async def test_a_definition_the_database_refuses_is_reported_and_the_rest_stored(
    service: DiscoveryService, repos: Builders, tmp_path: Path
) -> None:
    too_long = write(
        tmp_path,
        "long_name.py",
        f"from praxis.backend.protocols import protocol\n\n@protocol(name={'x' * 300!r})\ndef run(): ...\n",
    )
    write(tmp_path, "plates/reading.py", READING)

    result = await service.discover_and_upsert_protocols(tmp_path)

    assert [d.fqn for d in result.definitions] == ["plates.reading.read_absorbance"]
    assert [error.path for error in result.errors] == [too_long.resolve()]
    assert result.errors[0].error.startswith("long_name.run: ")
    assert await repos.protocol_definition.repository.get_by_fqn("long_name.run") is None
    assert (
        await repos.protocol_definition.repository.get_by_fqn("plates.reading.read_absorbance", "2.0.0")
        is not None
    )
