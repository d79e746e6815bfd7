"""Databases stopped at an Alembic revision, for tests of what a migration does to stored rows.

A ``Migrator`` is one database of the test's own, cloned from a template migrated up to a revision
(``Harness.clone(name, revision=...)``: built once per migrations hash and revision, then a clone costs
milliseconds, not a walk of every migration). Its rows are written and read in the schema the
database has *now*, reflected from it: the ORM models describe head, which a database at 0001 is not.

The ``migrator`` fixture gives one just before the revision the test's ``@pytest.mark.migration(...)``
names, the state a lab's database is in when it upgrades; see "Testing a migration" in
TESTING_PATTERNS.md.

Why the project's own runner and not pytest-alembic (measured against 0.13): its runner is synchronous
and runs each step of an async engine in ``asyncio.run``, a loop of its own, which cannot run inside
this suite's one session loop (async fixtures and tests); its data tests (``migrate_up_before``,
``insert_into``) walk every revision from base on one database instead of cloning a template per
revision; and its ``downgrade_leaves_no_trace`` compares autogenerate's view, which ignores CHECK
constraints, functions, triggers and column order (``tests/harness/catalog.py`` reads the catalog).
Its built-in tests are all kept here: one head, models against the migrated schema, every step up
and down (``tests/migrations/test_migrations.py``), and no trace (``test_no_trace.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, MetaData, Table, insert, inspect, select
from sqlalchemy.exc import NoSuchTableError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from praxis.backend.db.migrations import alembic_config, run_on_engine
from tests.harness.catalog import Schema, schema_of
from tests.harness.harness import Harness

MARKER = "migration"
BASE = "base"


def revisions_base_to_head() -> list[str]:
    """Every revision id, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def revision_before(revision: str) -> str:
    """The revision a database is at just before ``revision`` applies (``base`` for the first one)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(alembic_config())
    try:
        found = script.get_revision(revision)
    except CommandError:
        found = None
    if found is None:
        raise ValueError(f"no Alembic revision {revision!r}; there are {revisions_base_to_head()}")
    parents = found.down_revision
    if parents is None:
        return BASE
    if not isinstance(parents, str):
        raise ValueError(f"revision {revision!r} merges {parents}: give its test a start of its own")
    return parents


def marked_revision(item: pytest.Item) -> str:
    """The revision a test's ``@pytest.mark.migration("<revision>")`` names."""
    marker = item.get_closest_marker(MARKER)
    if marker is None or len(marker.args) != 1 or not isinstance(marker.args[0], str):
        raise pytest.UsageError(
            f"{item.nodeid} uses the migrator fixture: mark it with the revision it tests, "
            '@pytest.mark.migration("0002"); the database starts just before that revision'
        )
    return marker.args[0]


class Migrator:
    """A database of the test's own, at ``revision``: write rows, migrate, read rows back.

    ``insert`` and ``rows`` see the tables as they are at the current revision (reflected again after
    each migration). Everything is committed: the database is the test's alone and dropped afterwards.
    """

    def __init__(self, url: str, revision: str) -> None:
        self.url = url
        self.revision = revision
        # one connection, kept: each statement on a new one would pay asyncpg's connect and type set-up
        self._engine: AsyncEngine = create_async_engine(url, pool_size=1, max_overflow=0)
        self._tables: dict[str, Table] = {}  # reflected at the current revision

    async def close(self) -> None:
        await self._engine.dispose()

    async def upgrade(self, to: str) -> None:
        """``alembic upgrade <to>``, in one transaction, as ``praxis db upgrade`` runs it."""
        await run_on_engine(self._engine, "upgrade", to)
        self._moved_to(to)

    async def downgrade(self, to: str) -> None:
        """``alembic downgrade <to>``, in one transaction."""
        await run_on_engine(self._engine, "downgrade", to)
        self._moved_to(to)

    async def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Store ``rows`` (column names as the table has them now) in one INSERT; returns them as
        stored, defaults included. A row without ``accession_id`` gets a new one, as the models do."""
        async with self._engine.begin() as connection:
            reflected = await connection.run_sync(self._table, table)
            self._check_columns(reflected, [name for row in rows for name in row])
            values = [
                {"accession_id": uuid.uuid4(), **row} if "accession_id" in reflected.c else dict(row)
                for row in rows
            ]
            result = await connection.execute(insert(reflected).returning(*reflected.c), values)
            return [dict(row) for row in result.mappings()]

    async def rows(self, table: str, *columns: str) -> list[dict[str, Any]]:
        """Every row of ``table`` (only ``columns`` if given), in primary-key order."""
        async with self._engine.connect() as connection:
            reflected = await connection.run_sync(self._table, table)
            self._check_columns(reflected, columns)
            selected = [reflected.c[name] for name in columns] or list(reflected.c)
            query = select(*selected).order_by(*reflected.primary_key.columns)
            return [dict(row) for row in (await connection.execute(query)).mappings()]

    async def schema(self) -> Schema:
        """The schema as the catalog states it now (``tests.harness.catalog``)."""
        return await schema_of(self.url)

    def _check_columns(self, table: Table, names: Sequence[str]) -> None:
        """Refuse a column the table lacks at this revision (an INSERT of many rows would drop it)."""
        unknown = sorted({name for name in names if name not in table.c})
        if unknown:
            raise ValueError(
                f"{table.name} has no column {unknown} at revision {self.revision}; it has {list(table.c.keys())}"
            )

    def _moved_to(self, revision: str) -> None:
        self.revision = revision
        self._tables.clear()

    def _table(self, connection: Connection, name: str) -> Table:
        """``name`` as the database has it now, reflected once per revision (its referenced tables not:
        rows are written by column, and reflecting them too would double the cost)."""
        if name in self._tables:
            return self._tables[name]
        try:
            table = Table(name, MetaData(), autoload_with=connection, resolve_fks=False)
        except NoSuchTableError:
            tables = sorted(inspect(connection).get_table_names())
            raise ValueError(f"no table {name!r} at revision {self.revision}; there are {tables}") from None
        self._tables[name] = table
        return table


@asynccontextmanager
async def database_at(harness: Harness, name: str, revision: str) -> AsyncIterator[Migrator]:
    """A ``Migrator`` on ``name``, cloned from the template of ``revision`` and dropped afterwards."""
    url = await harness.clone(name, revision=revision)
    migrator = Migrator(url, revision)
    try:
        yield migrator
    finally:
        await migrator.close()
        await harness.drop(name)
