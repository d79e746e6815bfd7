"""The gate test run by an inner pytest (``pytester``, in this process) on revisions and tests of its
own: it fails on a data-changing revision that no test names, and on a marker naming no revision; it
passes once a test names the revision, or once the revision declares that its SQL changes only the
schema."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

GATE = Path(__file__).with_name("test_gate.py")
CONFTEST = """
from pathlib import Path

import pytest

from tests.harness.data_migrations import MigrationSources


@pytest.fixture
def migration_sources() -> MigrationSources:
    return MigrationSources(versions=Path("versions").resolve(), tests=Path("checks").resolve())
"""
REWRITING = """
from alembic import op

revision = "{revision}"
down_revision = {down!r}
{declaration}

def upgrade() -> None:
    op.execute("UPDATE run SET status = 'queued' WHERE status = 'pending'")
"""
SCHEMA_ONLY = """
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.add_column("run", sa.Column("note", sa.Text()))
"""
DATA_TEST = """
import pytest


@pytest.mark.migration("{revision}")
def test_rows() -> None:
    pass
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project of two revisions (0001 schema only, 0002 rewriting rows), no test naming either yet."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # the gate needs no plugin
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_gate=GATE.read_text())
    pytester.mkdir("versions")
    pytester.mkdir("checks")
    (pytester.path / "versions" / "0001_note.py").write_text(SCHEMA_ONLY)
    (pytester.path / "versions" / "0002_queued.py").write_text(
        REWRITING.format(revision="0002", down="0001", declaration="")
    )
    (pytester.path / "checks" / "test_other.py").write_text("def test_unrelated() -> None:\n    pass\n")
    return pytester


def test_a_revision_that_rewrites_rows_and_no_test_names_fails_the_gate(project: pytest.Pytester) -> None:
    result = project.runpytest("-p", "no:cacheprovider", "test_gate.py")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*revision 0002 (0002_queued.py) changes data (op.execute at line 9) and no test names it*"]
    )
    assert "revision 0001" not in result.stdout.str()  # adding a column changes no stored row


def test_a_test_naming_the_revision_opens_the_gate(project: pytest.Pytester) -> None:
    (project.path / "checks" / "test_0002.py").write_text(DATA_TEST.format(revision="0002"))

    project.runpytest("-p", "no:cacheprovider", "test_gate.py").assert_outcomes(passed=1)


def test_a_revision_declared_schema_only_needs_no_data_test(project: pytest.Pytester) -> None:
    (project.path / "versions" / "0002_queued.py").write_text(
        REWRITING.format(revision="0002", down="0001", declaration="changes_data = False  # DDL only")
    )

    project.runpytest("-p", "no:cacheprovider", "test_gate.py").assert_outcomes(passed=1)


def test_a_revision_declared_data_changing_needs_a_data_test(project: pytest.Pytester) -> None:
    (project.path / "versions" / "0001_note.py").write_text(SCHEMA_ONLY + "\nchanges_data = True\n")
    (project.path / "checks" / "test_0002.py").write_text(DATA_TEST.format(revision="0002"))

    result = project.runpytest("-p", "no:cacheprovider", "test_gate.py")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*revision 0001 (0001_note.py) changes data (changes_data = True)*"])


def test_a_marker_naming_no_revision_fails_the_gate(project: pytest.Pytester) -> None:
    (project.path / "checks" / "test_0002.py").write_text(DATA_TEST.format(revision="0002"))
    (project.path / "checks" / "test_typo.py").write_text(DATA_TEST.format(revision="0020"))

    result = project.runpytest("-p", "no:cacheprovider", "test_gate.py")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_typo.py:5: marks migration '0020', which versions/ does not have*"])
