"""Section 1: what isolating one test costs, with the harness's savepoints and with the alternatives.

Every variant does the same "test": insert one workcell row, then make sure nothing of it survives.

* ours: ``tests.harness.session.isolated_session`` (connection-level BEGIN, session joined with
  ``create_savepoint``) + one flushed insert + the rollback, exactly what the ``db_session`` fixture does;
* floor: the same round trips sent by hand on a raw asyncpg connection (BEGIN, SAVEPOINT, INSERT,
  ROLLBACK), i.e. what the server and the driver cost with no SQLAlchemy at all;
* truncate: the test commits its row, then one ``TRUNCATE`` lists every application table;
* clone: a database cloned from the migrated template per test (clone, connect, insert, drop), through
  the harness's own ``Harness.clone``/``Harness.drop``;
* schema (migrations): ``DROP SCHEMA public CASCADE``, ``CREATE SCHEMA public`` and
  ``alembic upgrade head`` per test: what a suite that rebuilt its schema the supported way would pay;
* schema (create_all): the same with ``Base.metadata.create_all`` replaying the model DDL. Tests must
  never build their schema this way (it skips the migrations they are meant to exercise); it is here,
  labelled, only to show how much of the schema variant is Alembic's own overhead.

Two breakdown rows split "ours" in two, to show where its time goes: the harness alone (the session
entered and left with no insert) and the ORM alone (a plain pooled session, the same insert, no
savepoints). A third shows the part of "ours" that checks, when a test ends, that its outer transaction
is still the harness's (``tests/harness/outer.py``: recorded and checked without a round trip).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from bench.databases import BenchDatabases
from bench.timing import Figure, Rounds, Stopwatch, Variant, interleave, per_unit
from praxis.backend.db.base import new_id
from praxis.backend.db.migrations import upgrade_to_head
from praxis.backend.models.orm import Base, WorkcellOrm
from tests.harness.outer import OuterTransaction
from tests.harness.session import isolated_session

_names = itertools.count()

# The INSERT the floor sends: the columns and RETURNING clause SQLAlchemy sends for a WorkcellOrm.
FLOOR_INSERT = (
    "INSERT INTO workcell (accession_id, name, description, status, latest_state, allows_concurrent_runs, "
    "version) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at, updated_at"
)

# Every application table in one statement (one lock round, one catalogue pass): TRUNCATE at its best.
# alembic_version is left alone, as Django's flush leaves its migration table.
TRUNCATE_ALL = "TRUNCATE TABLE " + ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)


def _workcell() -> WorkcellOrm:
    return WorkcellOrm(name=f"isolation-{next(_names)}")


async def _insert_committed(engine: AsyncEngine) -> None:
    """The variants without a surrounding transaction: the test's session commits its row."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        session.add(_workcell())
        await session.commit()


class IsolationBench:
    """Holds the engines and connections of section 1 between rounds."""

    def __init__(self, databases: BenchDatabases, batch: dict[str, int]) -> None:
        self.databases = databases
        self.batch = batch
        self.engines: list[AsyncEngine] = []

    @asynccontextmanager
    async def prepared(self) -> AsyncIterator[IsolationBench]:
        databases = self.databases
        ours = await databases.clone("isolation")
        truncate = await databases.clone("truncate")
        schema = await databases.clone("schema")
        # The same pool settings as the db_engine fixture.
        self.ours_engine = create_async_engine(ours.url, pool_size=5, max_overflow=5)
        self.truncate_engine = create_async_engine(truncate.url, pool_size=5, max_overflow=5)
        # NullPool: after DROP SCHEMA a pooled connection's cached prepared statements point at dropped
        # tables; a fresh connection per test is what such a suite would have to do anyway.
        self.schema_engine = create_async_engine(schema.url, poolclass=NullPool)
        self.engines = [self.ours_engine, self.truncate_engine, self.schema_engine]
        self.raw = await asyncpg.connect(ours.dsn)
        try:
            yield self
        finally:
            await self.raw.close()
            for engine in self.engines:
                await engine.dispose()

    # -- the variants: each returns ms per test ----------------------------------------------------
    async def ours(self) -> float:
        n = self.batch["ours"]
        with Stopwatch() as watch:
            for _ in range(n):
                async with isolated_session(self.ours_engine) as session:
                    session.add(_workcell())
                    await session.flush()
        return per_unit(watch.seconds, n)

    async def floor(self) -> float:
        n = self.batch["floor"]
        connection = self.raw
        with Stopwatch() as watch:
            for _ in range(n):
                await connection.execute("BEGIN")
                await connection.execute("SAVEPOINT test")
                await connection.fetchrow(
                    FLOOR_INSERT, new_id(), f"isolation-{next(_names)}", None, "available", "{}", False, 1
                )
                await connection.execute("ROLLBACK")
        return per_unit(watch.seconds, n)

    # -- breakdown rows: not competitors, they split "ours" into what the harness and the ORM cost ---
    async def ours_empty(self) -> float:
        """The harness alone: isolated_session entered and left, no statement of the test's own."""
        n = self.batch["ours"]
        with Stopwatch() as watch:
            for _ in range(n):
                async with isolated_session(self.ours_engine):
                    pass
        return per_unit(watch.seconds, n)

    async def outer_check(self) -> float:
        """The end-of-test check alone: the outer transaction recorded, the test's leftover tasks
        looked for, the transaction and connection checked; on one open transaction, no statement."""
        n = self.batch["ours"]
        async with self.ours_engine.connect() as connection:
            transaction = await connection.begin()
            await connection.exec_driver_sql("SELECT 1")  # the transaction begun on the server
            with Stopwatch() as watch:
                for _ in range(n):
                    outer = await OuterTransaction.record(connection, transaction)
                    await outer.settle()
                    assert not outer.check() and not outer.busy()
            await transaction.rollback()
        return per_unit(watch.seconds, n)

    async def plain_session(self) -> float:
        """The ORM alone: a pooled AsyncSession, the same flushed insert, rollback; no savepoints."""
        n = self.batch["ours"]
        with Stopwatch() as watch:
            for _ in range(n):
                async with AsyncSession(self.ours_engine, expire_on_commit=False, autoflush=False) as session:
                    session.add(_workcell())
                    await session.flush()
                    await session.rollback()
        return per_unit(watch.seconds, n)

    async def truncate(self) -> float:
        n = self.batch["truncate"]
        with Stopwatch() as watch:
            for _ in range(n):
                await _insert_committed(self.truncate_engine)
                async with self.truncate_engine.begin() as connection:
                    await connection.execute(text(TRUNCATE_ALL))
        return per_unit(watch.seconds, n)

    async def clone(self) -> float:
        n = self.batch["clone"]
        harness = self.databases.harness
        name = self.databases.name("clone")
        with Stopwatch() as watch:
            for _ in range(n):
                url = await harness.clone(name)
                engine = create_async_engine(url, poolclass=NullPool)
                await _insert_committed(engine)
                await engine.dispose()
                await harness.drop(name)
        return per_unit(watch.seconds, n)

    async def schema_migrations(self) -> float:
        return await self._schema(self.batch["schema_migrations"], upgrade_to_head)

    async def schema_create_all(self) -> float:
        async def create_all(engine: AsyncEngine) -> None:
            async with engine.begin() as connection:
                await connection.run_sync(_create_all)

        return await self._schema(self.batch["schema_create_all"], create_all)

    async def _schema(self, n: int, build: Callable[[AsyncEngine], Awaitable[None]]) -> float:
        engine = self.schema_engine
        with Stopwatch() as watch:
            for _ in range(n):
                await _insert_committed(engine)
                async with engine.begin() as connection:
                    await connection.execute(text("DROP SCHEMA public CASCADE"))
                    await connection.execute(text("CREATE SCHEMA public"))
                await build(engine)
        return per_unit(watch.seconds, n)


def _create_all(connection: Connection) -> None:
    Base.metadata.create_all(connection)


LABELS = {
    "ours": "ours: isolated_session + insert + rollback",
    "floor": "floor: raw asyncpg BEGIN/SAVEPOINT/INSERT/ROLLBACK",
    "truncate": "TRUNCATE every table after the test",
    "clone": "database cloned from the template per test",
    "schema_migrations": "schema dropped + alembic upgrade head per test",
    "schema_create_all": "schema dropped + metadata create_all (comparison only)",
    "ours_empty": "breakdown: isolated_session alone, no insert",
    "plain_session": "breakdown: plain AsyncSession insert + rollback, no savepoints",
    "outer_check": "breakdown: the end-of-test check of the outer transaction alone (no round trip)",
}


async def run(databases: BenchDatabases, *, rounds: int, batch: dict[str, int]) -> list[Figure]:
    bench = IsolationBench(databases, batch)
    async with bench.prepared():
        variants = [
            Variant("ours", LABELS["ours"], bench.ours, batch["ours"]),
            Variant("floor", LABELS["floor"], bench.floor, batch["floor"]),
            Variant("truncate", LABELS["truncate"], bench.truncate, batch["truncate"]),
            Variant("clone", LABELS["clone"], bench.clone, batch["clone"]),
            Variant(
                "schema_migrations",
                LABELS["schema_migrations"],
                bench.schema_migrations,
                batch["schema_migrations"],
            ),
            Variant(
                "schema_create_all",
                LABELS["schema_create_all"],
                bench.schema_create_all,
                batch["schema_create_all"],
            ),
            Variant("ours_empty", LABELS["ours_empty"], bench.ours_empty, batch["ours"]),
            Variant("plain_session", LABELS["plain_session"], bench.plain_session, batch["ours"]),
            Variant("outer_check", LABELS["outer_check"], bench.outer_check, batch["ours"]),
        ]
        measured = await interleave(variants, rounds)
    return figures(variants, measured)


def figures(variants: list[Variant], measured: Rounds) -> list[Figure]:
    result = []
    ours = Figure("ours", LABELS["ours"], "ms/test", measured.samples["ours"])
    for variant in variants:
        figure = Figure(variant.key, variant.label, "ms/test", measured.samples[variant.key], variant.batch)
        if variant.key != "ours":
            figure.ratio = figure.median / ours.median
            figure.ratio_means = f"{variant.key} ms / ours ms"
            figure.paired_ratio = measured.paired_ratio(variant.key, "ours")
        result.append(figure)
    return result
