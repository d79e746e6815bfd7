"""Downgrades leave no trace: for every revision, the schema after its upgrade then its downgrade is the
schema before, and its upgrade run again gives the schema its first upgrade gave; both compared from
the database's catalog (``tests/harness/catalog.py`` says what it covers, and why not autogenerate)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.harness.catalog import schema_differences
from tests.harness.harness import Harness
from tests.harness.migrator import Migrator, database_at, revision_before, revisions_base_to_head


@pytest.fixture(params=revisions_base_to_head())
async def before_revision(
    request: pytest.FixtureRequest, praxis_harness: Harness, worker_id: str
) -> AsyncIterator[tuple[Migrator, str]]:
    """A database just before the revision (the parameter), and that revision."""
    revision: str = request.param
    harness = praxis_harness
    name = harness.worker_database_name(worker_id, "no_trace")
    async with database_at(harness, name, revision_before(revision)) as database:
        yield database, revision


async def test_downgrade_restores_the_schema_before_the_upgrade(
    before_revision: tuple[Migrator, str],
) -> None:
    database, revision = before_revision
    start = database.revision
    before = await database.schema()
    await database.upgrade(revision)
    upgraded = await database.schema()

    await database.downgrade(start)

    left = schema_differences(before, await database.schema())
    assert not left, (
        f"downgrading {revision} to {start} leaves a trace (+ left over, - not restored):\n" + "\n".join(left)
    )
    await database.upgrade(revision)
    again = schema_differences(upgraded, await database.schema())
    assert not again, (
        f"{revision} upgraded again after its downgrade differs from its first upgrade:\n" + "\n".join(again)
    )
