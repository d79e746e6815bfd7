"""Scanned modules kept apart: same-named files, relative imports, roots, broken packages, refused rows."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from praxis.backend.errors import ForbiddenError
from praxis.backend.repositories import Repositories
from praxis.backend.services.discovery import DiscoveryService
from tests.builders import Builders
from tests.protocol_files import write
from tests.services.discovery.sources import (
    READING,
    TRANSFERS,
    cache_directories,
)


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
