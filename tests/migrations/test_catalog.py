"""The catalog snapshot sees every kind of object a migration can leave behind (the job queue's schema
brings functions, triggers and enum types), and nothing that differs between two databases built alike."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests.harness.catalog import dsn, schema_differences, schema_of
from tests.harness.harness import Harness

LEFT_BEHIND = {
    "schemas": "CREATE SCHEMA queue",
    "types": "CREATE TYPE queue.job_status AS ENUM ('queued', 'picked')",
    "tables": "CREATE TABLE queue.job (id bigserial PRIMARY KEY, status queue.job_status NOT NULL)",
    "columns": "ALTER TABLE workcell ADD COLUMN note text DEFAULT 'x'",
    "constraints": "ALTER TABLE workcell ADD CONSTRAINT ck_workcell_short CHECK (length(name) < 99)",
    "indexes": "CREATE INDEX ix_workcell_lower_name ON workcell (lower(name))",
    "sequences": "CREATE SEQUENCE queue.ticket START 5",
    "functions": "CREATE FUNCTION queue.notify() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$",
    "triggers": "CREATE TRIGGER tg_workcell_notify AFTER INSERT ON workcell FOR EACH ROW EXECUTE FUNCTION queue.notify()",
    "views": "CREATE VIEW busy_workcell AS SELECT name FROM workcell",
}
# an extension this role may create where it is not installed yet: pg_trgm on a Debian server, vector
# on the embedded one (its role is a superuser)
CREATABLE_EXTENSION = """
    SELECT v.name FROM pg_available_extension_versions v
    WHERE v.installed = false AND (v.trusted OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))
    AND NOT EXISTS (SELECT 1 FROM pg_extension e WHERE e.extname = v.name)
    AND v.requires IS NULL ORDER BY v.name = 'pg_trgm' DESC, v.name = 'vector' DESC, v.name LIMIT 1
"""
# changes that keep every object but alter one property of it
ALTERED = {
    "types": "ALTER TYPE queue.job_status ADD VALUE 'done'",
    "columns": "ALTER TABLE workcell ALTER COLUMN note SET DEFAULT 'y'",
    "constraints": "ALTER TABLE workcell DROP CONSTRAINT ck_workcell_short,"
    " ADD CONSTRAINT ck_workcell_short CHECK (length(name) < 98)",
}


@pytest.fixture
async def two_databases(praxis_harness: Harness, worker_id: str) -> AsyncIterator[tuple[str, str]]:
    """Two databases cloned from the template."""
    harness = praxis_harness
    names = [harness.worker_database_name(worker_id, f"catalog_{n}") for n in (1, 2)]
    urls = [await harness.clone(name) for name in names]
    yield urls[0], urls[1]
    for name in names:
        await harness.drop(name)


async def execute(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def creatable_extension(url: str) -> str:
    connection = await asyncpg.connect(dsn(url))
    try:
        name = await connection.fetchval(CREATABLE_EXTENSION)
    finally:
        await connection.close()
    assert name, "the test server offers no extension this role may create"
    return str(name)


async def test_two_databases_built_alike_compare_equal(two_databases: tuple[str, str]) -> None:
    first, second = two_databases
    await execute(
        second,
        "INSERT INTO workcell (accession_id, name, status) VALUES (gen_random_uuid(), 'rows', 'available')",
    )

    assert schema_differences(await schema_of(first), await schema_of(second)) == []


async def test_every_kind_of_object_left_behind_is_seen(two_databases: tuple[str, str]) -> None:
    url, _ = two_databases
    before = await schema_of(url)

    extension = await creatable_extension(url)
    await execute(url, *LEFT_BEHIND.values(), f'CREATE EXTENSION "{extension}"')
    added = await schema_of(url)
    await execute(url, *ALTERED.values())
    altered = await schema_of(url)

    assert {section for section in before if added[section] - before[section]} == {*LEFT_BEHIND, "extensions"}
    assert {section for section in added if altered[section] != added[section]} == set(ALTERED)
    assert all(
        line.startswith(("types: ", "columns: ", "constraints: "))
        for line in schema_differences(added, altered)
    )
