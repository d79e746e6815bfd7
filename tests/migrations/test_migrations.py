"""Migration gates: one head, every step up and down, and models that match the migrated schema."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend.db.migrations import alembic_config, include_object, run_on_engine
from praxis.backend.models.orm import Base
from tests.harness.harness import Harness
from tests.harness.migrator import revisions_base_to_head


@pytest.fixture
async def empty_engine(praxis_harness: Harness, worker_id: str) -> AsyncIterator[AsyncEngine]:
    """A database of its own with no schema at all, for walking the migrations."""
    harness = praxis_harness
    name = harness.worker_database_name(worker_id, "migrations")
    engine = create_async_engine(await harness.create_empty(name), poolclass=NullPool)
    yield engine
    await engine.dispose()
    await harness.drop(name)


async def current_tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


def test_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several heads, merge them: {heads}"


async def test_upgrade_and_downgrade_one_revision_at_a_time(empty_engine: AsyncEngine) -> None:
    revisions = revisions_base_to_head()
    assert revisions
    for revision in revisions:
        await run_on_engine(empty_engine, "upgrade", revision)
        # the step back must undo enough for the step forward to apply again
        await run_on_engine(empty_engine, "downgrade", "-1")
        await run_on_engine(empty_engine, "upgrade", revision)

    assert set(Base.metadata.tables) <= await current_tables(empty_engine)

    for _ in revisions:
        await run_on_engine(empty_engine, "downgrade", "-1")
    assert await current_tables(empty_engine) <= {"alembic_version"}  # the job queue's tables too


async def test_models_match_the_migrated_schema(db_engine: AsyncEngine) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return list(compare_metadata(context, Base.metadata))

    async with db_engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == [], f"models and migrations disagree; generate a migration: {diff}"


async def test_the_job_queue_schema_is_what_the_installed_pgqueuer_expects(db_engine: AsyncEngine) -> None:
    """Migration 0003 froze pgqueuer's schema; a pgqueuer that needs more says so here, and its DDL
    then goes into a migration of its own (pgqueuer's ``plan_upgrade`` lists what it would change)."""
    from pgqueuer import AsyncpgDriver, Queries

    async with db_engine.connect() as connection:
        raw = await connection.get_raw_connection()
        plan = await Queries(AsyncpgDriver(raw.driver_connection)).plan_upgrade()  # type: ignore[arg-type]

    assert plan.statements == (), f"pgqueuer wants its schema changed: {plan.statements} {plan.notes}"
