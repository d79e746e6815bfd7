"""Discovery without a database: the dry run, the path confinement rule and the file walk.

``scan_protocols`` is what discovery would catalog, found without the database, so every test here is
plain synchronous code with no database fixture, except the last, which uses the database only to show
that ``DiscoveryService.scan`` leaves the catalog untouched.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from praxis.backend.errors import ForbiddenError, InvalidValueError
from praxis.backend.repositories import Repositories
from praxis.backend.services.discovery import (
    DiscoveredProtocol,
    DiscoveryService,
    confined_directory,
    python_files,
    scan_protocols,
)
from tests.builders import Builders
from tests.protocol_files import SERIAL_DILUTION, write

TRANSFERS = SERIAL_DILUTION


# -- the dry run --------------------------------------------------------------------------------------


def test_scan_returns_what_would_be_cataloged(tmp_path: Path) -> None:
    transfers = write(tmp_path, "protocols/transfers.py", TRANSFERS)
    write(tmp_path, "protocols/reading.py", "def read(wavelength_nm: int = 450) -> int:\n    return 1\n")

    scan = scan_protocols(tmp_path / "protocols")

    assert scan.errors == []
    by_fqn = {p.fqn: p for p in scan.protocols}
    assert sorted(by_fqn) == ["reading.read", "transfers.serial_dilution"]
    dilution = by_fqn["transfers.serial_dilution"]
    assert isinstance(dilution, DiscoveredProtocol)
    assert (dilution.name, dilution.version, dilution.is_inferred) == ("serial_dilution", "1.2.0", False)
    assert dilution.source_file_path == str(transfers.resolve())
    assert [p["name"] for p in dilution.parameters] == ["volume_ul", "steps"]
    assert dilution.required_assets == [
        {"name": "lh", "type_hint": "pylabrobot.liquid_handling.LiquidHandler", "optional": False}
    ]
    assert by_fqn["reading.read"].is_inferred is True


def test_scan_reports_a_broken_file_keeps_the_rest_and_leaves_no_modules_behind(tmp_path: Path) -> None:
    write(tmp_path, "transfers.py", TRANSFERS)
    broken = write(tmp_path, "broken.py", "import not_a_module_anywhere\n")
    progressed: list[Path] = []

    scan = scan_protocols(tmp_path, progress=progressed.append)

    assert [p.fqn for p in scan.protocols] == ["transfers.serial_dilution"]
    [error] = scan.errors
    assert error.path == broken.resolve()
    assert "not_a_module_anywhere" in error.error
    assert progressed == [broken.resolve(), (tmp_path / "transfers.py").resolve()]
    assert not [name for name in sys.modules if name.startswith("_praxis_discovery_")]


def test_scan_applies_the_same_confinement_as_discovery(tmp_path: Path) -> None:
    write(tmp_path, "allowed/transfers.py", TRANSFERS)
    write(tmp_path, "elsewhere/transfers.py", TRANSFERS)

    with pytest.raises(ForbiddenError) as raised:
        scan_protocols(tmp_path / "elsewhere", allowed_roots=[tmp_path / "allowed"])
    assert raised.value.field == "path"
    assert "outside the allowed protocol roots" in raised.value.message

    scan = scan_protocols(".", allowed_roots=[tmp_path / "allowed"])
    assert [p.fqn for p in scan.protocols] == ["transfers.serial_dilution"]


# -- path confinement ---------------------------------------------------------------------------------


def test_a_relative_path_is_relative_to_the_first_root(tmp_path: Path) -> None:
    (tmp_path / "first" / "plates").mkdir(parents=True)
    (tmp_path / "second" / "plates").mkdir(parents=True)

    directory = confined_directory("plates", [tmp_path / "first", tmp_path / "second"])

    assert directory == (tmp_path / "first" / "plates").resolve()


def test_a_relative_path_without_roots_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plates").mkdir()
    monkeypatch.chdir(tmp_path)

    assert confined_directory("plates", None) == (tmp_path / "plates").resolve()


def test_any_root_may_hold_an_absolute_path(tmp_path: Path) -> None:
    (tmp_path / "second" / "plates").mkdir(parents=True)
    (tmp_path / "first").mkdir()

    directory = confined_directory(tmp_path / "second" / "plates", [tmp_path / "first", tmp_path / "second"])

    assert directory == (tmp_path / "second" / "plates").resolve()


def test_a_root_that_is_a_symlink_still_holds_its_directories(tmp_path: Path) -> None:
    (tmp_path / "real" / "plates").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)

    assert confined_directory("plates", [tmp_path / "link"]) == (tmp_path / "real" / "plates").resolve()


@pytest.mark.parametrize("path", ["..", "plates/../..", "{outside}", "{outside}/missing", "../missing"])
def test_a_path_outside_the_roots_is_refused_whether_or_not_it_exists(tmp_path: Path, path: str) -> None:
    root = tmp_path / "root"
    (root / "plates").mkdir(parents=True)
    (tmp_path / "outside").mkdir()

    with pytest.raises(ForbiddenError) as raised:
        confined_directory(path.replace("{outside}", str(tmp_path / "outside")), [root])

    assert raised.value.field == "path"
    assert "outside the allowed protocol roots" in raised.value.message  # never "does not exist"


def test_a_symlink_out_of_a_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "root" / "link").symlink_to(tmp_path / "outside", target_is_directory=True)

    with pytest.raises(ForbiddenError, match="outside the allowed protocol roots"):
        confined_directory("link", [tmp_path / "root"])


def test_no_roots_means_discovery_is_not_enabled(tmp_path: Path) -> None:
    with pytest.raises(ForbiddenError) as raised:
        confined_directory(tmp_path, [])

    assert raised.value.field == "path"
    assert "PRAXIS_PROTOCOL_ROOTS" in raised.value.message


@pytest.mark.parametrize(
    ("relative", "message"), [("missing", "does not exist"), ("file.py", "not a directory")]
)
def test_inside_a_root_a_missing_directory_or_a_file_is_refused(
    tmp_path: Path, relative: str, message: str
) -> None:
    write(tmp_path, "file.py", "")

    with pytest.raises(InvalidValueError) as raised:
        confined_directory(relative, [tmp_path])

    assert raised.value.field == "path"
    assert message in raised.value.message


@pytest.mark.parametrize("path", ["~praxis-no-such-user", "~praxis-no-such-user/plates", "~\ud800", "~root"])
def test_a_home_directory_is_outside_the_roots_whether_or_not_its_user_exists(
    tmp_path: Path, path: str
) -> None:
    with pytest.raises(ForbiddenError) as raised:
        confined_directory(path, [tmp_path])

    assert raised.value.field == "path"
    assert "outside the allowed protocol roots" in raised.value.message


@pytest.mark.parametrize("path", ["~praxis-no-such-user/plates", "~\ud800"])
def test_without_roots_a_home_directory_of_no_user_is_refused(path: str) -> None:
    with pytest.raises(InvalidValueError) as raised:
        confined_directory(path, None)

    assert raised.value.field == "path"
    assert "home directory" in raised.value.message


@pytest.mark.parametrize("roots", ["tmp_path", None])
def test_a_name_too_long_for_the_filesystem_is_refused(tmp_path: Path, roots: str | None) -> None:
    too_long = str(tmp_path / ("0" * 5000))

    with pytest.raises(InvalidValueError) as raised:
        confined_directory(too_long, None if roots is None else [tmp_path])

    assert raised.value.field == "path"
    assert "cannot be read" in raised.value.message


def test_a_path_that_cannot_be_resolved_is_refused(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")

    with pytest.raises(InvalidValueError) as raised:
        confined_directory("loop", [tmp_path])

    assert raised.value.field == "path"


# -- the walk -----------------------------------------------------------------------------------------


def test_python_files_are_sorted_and_skip_hidden_cache_and_installed_directories(tmp_path: Path) -> None:
    for relative in [
        "b.py",
        "a.py",
        "notes.txt",
        ".hidden.py",
        "plates/read.py",
        ".venv/lib/site.py",
        "__pycache__/a.py",
        "env/site-packages/pkg.py",
        "web/node_modules/tool.py",
    ]:
        write(tmp_path, relative, "")

    files = python_files(tmp_path)

    assert [f.relative_to(tmp_path.resolve()).as_posix() for f in files] == [
        "a.py",
        "b.py",
        "plates/read.py",
    ]


async def test_service_scan_is_a_dry_run_that_stores_nothing(
    repositories: Repositories, repos: Builders, tmp_path: Path
) -> None:
    write(tmp_path, "transfers.py", TRANSFERS)
    before = await repos.protocol_definition.count()

    scan = await DiscoveryService(repositories, allowed_roots=[tmp_path]).scan(".")

    assert [p.fqn for p in scan.protocols] == ["transfers.serial_dilution"]
    assert await repos.protocol_definition.count() == before
