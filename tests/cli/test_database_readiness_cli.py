"""The ``praxis`` command on a database it cannot use says so in one line, and what to do."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import make_url

from praxis.backend.db.migrations import head_revision, run_on_url
from tests.cli.test_cli import praxis

pytestmark = pytest.mark.slow(seconds=3)


def assert_one_line(result: object, *fragments: str) -> None:
    stdout, stderr = result.stdout, result.stderr  # type: ignore[attr-defined]
    assert result.returncode == 1, stdout + stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stdout + stderr
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert len(" ".join(lines)) < 200 and all(fragment in stdout for fragment in fragments), stdout


async def test_an_unmigrated_database_is_one_line_naming_the_revisions(committed_database: str) -> None:
    await run_on_url(committed_database, "downgrade", "0002")

    result = praxis(committed_database, "db", "seed-demo")

    assert_one_line(result, "revision 0002", head_revision(), "praxis db upgrade")


def test_a_missing_database_is_one_line_naming_it(committed_database: str) -> None:
    missing = f"praxis_test_never_created_{uuid.uuid4().hex[:8]}"
    url = make_url(committed_database).set(database=missing).render_as_string(hide_password=False)

    result = praxis(url, "token", "list")

    assert_one_line(result, missing, "does not exist")
