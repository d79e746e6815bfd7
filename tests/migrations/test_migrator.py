"""The migrator itself: where its database starts, the harness's rules it follows, and the clear errors a
mistyped table, column, revision or a missing marker get."""

from __future__ import annotations

import asyncpg
import pytest

from tests.harness.catalog import dsn
from tests.harness.harness import Harness
from tests.harness.locks import connect_lock_database
from tests.harness.migrator import Migrator, database_at, marked_revision, revision_before
from tests.harness.names import OWNED_PREFIX
from tests.harness.server import TestServer, current_role
from tests.harness.templates import migrations_hash, template_name


def test_a_revision_starts_where_the_one_before_left_off() -> None:
    assert revision_before("0002") == "0001"
    assert revision_before("0001") == "base"
    with pytest.raises(ValueError, match="no Alembic revision '0020'; there are \\['0001', '0002'"):
        revision_before("0020")


def test_a_migrator_test_names_its_revision(request: pytest.FixtureRequest) -> None:
    with pytest.raises(
        pytest.UsageError, match=r'mark it with the revision it tests, @pytest.mark.migration\("0002"\)'
    ):
        marked_revision(request.node)


@pytest.mark.migration("0002")
async def test_the_database_is_the_tests_own_at_the_revision_before(
    migrator: Migrator, test_server: TestServer, praxis_harness: Harness
) -> None:
    harness = praxis_harness
    name = migrator.url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(dsn(migrator.url))
    try:
        assert await connection.fetchval("SELECT version_num FROM alembic_version") == "0001"
        assert await connection.fetchval("SELECT count(*) FROM function_call_log") == 0
    finally:
        await connection.close()

    assert migrator.revision == "0001" and harness.owns(name) and name.startswith(f"{OWNED_PREFIX}_")
    keeper = await connect_lock_database(test_server)
    try:
        template = template_name(migrations_hash(), await current_role(keeper), "0001")
        # built once per migrations hash and revision, then cloned by every test that starts there
        assert await keeper.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", template)
    finally:
        await keeper.close()
    assert template != template_name(migrations_hash(), "praxis")  # not head's


@pytest.mark.migration("0002")
async def test_a_table_or_column_the_revision_lacks_is_refused_by_name(migrator: Migrator) -> None:
    with pytest.raises(ValueError, match=r"no table 'api_token' at revision 0001; there are \[.*'workcell'"):
        await migrator.insert("api_token", [{"name": "t"}])
    with pytest.raises(ValueError, match=r"resource has no column \['deck_id'\] at revision 0001"):
        await migrator.rows("resource", "deck_id")
    with pytest.raises(
        ValueError, match=r"resource has no column \['deck_id'\] at revision 0001"
    ):  # 0002 adds it
        await migrator.insert("resource", [{"name": "plate", "status": "available", "deck_id": None}])


async def test_the_database_is_dropped_afterwards(
    test_server: TestServer, praxis_harness: Harness, worker_id: str
) -> None:
    harness = praxis_harness
    name = harness.worker_database_name(worker_id, "migrator")
    async with database_at(harness, name, "0001"):
        pass

    keeper = await connect_lock_database(test_server)
    try:
        assert not await keeper.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await keeper.close()
