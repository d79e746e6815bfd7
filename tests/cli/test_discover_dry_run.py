"""``praxis discover --dry-run``: what would be cataloged, listed without a database.

The command runs against a database URL nothing listens on, so a dry run that tried to connect (or to
start the embedded server, or to migrate) would fail instead of listing the protocols.
"""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import praxis, write_protocols

#: a port nothing listens on: any attempt to use the database fails at once
UNREACHABLE = "postgresql+asyncpg://praxis:praxis@127.0.0.1:9/nowhere"


def test_dry_run_lists_the_protocols_without_a_database(tmp_path: Path) -> None:
    write_protocols(tmp_path / "protocols", 2)

    result = praxis(UNREACHABLE, "discover", "--dry-run", str(tmp_path / "protocols"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "assay_0.assay_0 1.0" in result.stdout
    assert "assay_1.assay_1 1.1" in result.stdout
    assert "2 protocol(s) would be cataloged (dry run, nothing stored)" in result.stdout


def test_dry_run_reports_a_broken_file(tmp_path: Path) -> None:
    write_protocols(tmp_path / "protocols", 1)
    (tmp_path / "protocols" / "broken.py").write_text("def oops(:\n")

    result = praxis(UNREACHABLE, "discover", "--dry-run", str(tmp_path / "protocols"))

    assert result.returncode == 1
    assert "broken.py" in result.stdout and "SyntaxError" in result.stdout
    assert "1 protocol(s) would be cataloged" in result.stdout


def test_dry_run_of_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    result = praxis(UNREACHABLE, "discover", "--dry-run", str(tmp_path / "nowhere"))

    assert result.returncode == 2
    assert "nowhere is not a directory" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
