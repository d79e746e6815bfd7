"""Section 3: bulk creation of data outputs, against PostgreSQL's COPY as the floor.

* ``create_batch(1000)``: ``Builders(session).data_output.create_batch(1000)`` as a test writes it; it
  creates the run's parent graph once (protocol definition and run: two small INSERTs) and the 1,000
  rows in one ``INSERT ... SELECT FROM unnest(...) RETURNING``;
* ``create_many`` of 10,000 rows: the repository method itself, given 10,000 prepared row dicts that
  refer to a run committed once at set-up, returning 10,000 ORM objects;
* the floor: asyncpg's ``copy_records_to_table`` of the same columns and values (binary COPY), with
  the records, ids included, prepared before the clock starts: pure transfer and insertion.

Every sample runs in its own rolled-back transaction, so the table does not grow from round to round.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from bench.databases import BenchDatabases
from bench.timing import Figure, Stopwatch, Variant, interleave
from praxis.backend.db.base import new_id
from praxis.backend.repositories import DataOutputRepository
from tests.builders import Builders
from tests.harness.session import isolated_session

_WELLS = [f"{row}{column}" for row in "ABCDEFGH" for column in range(1, 13)]
COPY_COLUMNS = (
    "accession_id",
    "name",
    "data_type",
    "numeric_value",
    "unit",
    "spatial_context",
    "well_name",
    "protocol_run_id",
)


def output_rows(run_id: Any, n: int) -> list[dict[str, Any]]:
    """The rows ``create_batch`` would make: absorbance readings over the wells of a plate."""
    wells = itertools.cycle(_WELLS)
    return [
        {
            "name": "absorbance_600nm",
            "unit": "OD",
            "well_name": next(wells),
            "numeric_value": 0.42,
            "protocol_run_id": run_id,
        }
        for _ in range(n)
    ]


def copy_records(run_id: Any, n: int) -> list[tuple[Any, ...]]:
    wells = itertools.cycle(_WELLS)
    return [
        (new_id(), "absorbance_600nm", "numeric", 0.42, "OD", "{}", next(wells), run_id) for _ in range(n)
    ]


class BulkBench:
    def __init__(self, engine: AsyncEngine, raw: asyncpg.Connection, run_id: Any) -> None:
        self.engine = engine
        self.raw = raw
        self.run_id = run_id

    def create_batch(self, n: int) -> Callable[[], Awaitable[float]]:
        async def measure() -> float:
            async with isolated_session(self.engine) as session:
                with Stopwatch() as watch:
                    created = await Builders(session).data_output.create_batch(n)
            assert len(created) == n
            return n / watch.seconds

        return measure

    def create_many(self, n: int) -> Callable[[], Awaitable[float]]:
        async def measure() -> float:
            rows = output_rows(self.run_id, n)
            async with isolated_session(self.engine) as session:
                with Stopwatch() as watch:
                    created = await DataOutputRepository(session).create_many(rows)
            assert len(created) == n
            return n / watch.seconds

        return measure


def _copy_sample(raw: asyncpg.Connection, run_id: Any, n: int) -> Callable[[], Awaitable[float]]:
    async def measure() -> float:
        records = copy_records(run_id, n)
        transaction = raw.transaction()
        await transaction.start()
        try:
            with Stopwatch() as watch:
                await raw.copy_records_to_table("function_data_output", records=records, columns=COPY_COLUMNS)
        finally:
            await transaction.rollback()
        return n / watch.seconds

    return measure


async def _committed_run(engine: AsyncEngine) -> Any:
    """A protocol run (and its definition) committed once, for the rows of create_many and COPY."""
    async with AsyncSession(engine, expire_on_commit=False, autoflush=False) as session:
        run = await Builders(session).protocol_run.create()
        await session.commit()
        return run.accession_id


LABELS = {
    "create_batch_1000": "ours: repos.data_output.create_batch(1000)",
    "copy_1000": "floor: COPY of the same 1,000 rows",
    "create_many_10000": "ours: create_many(10,000 rows)",
    "copy_10000": "floor: COPY of the same 10,000 rows",
}


async def run(databases: BenchDatabases, *, rounds: int) -> list[Figure]:
    database = await databases.clone("bulk")
    engine = create_async_engine(database.url, pool_size=5, max_overflow=5)
    raw = await asyncpg.connect(database.dsn)
    try:
        run_id = await _committed_run(engine)
        bench = BulkBench(engine, raw, run_id)
        variants = [
            Variant("create_batch_1000", LABELS["create_batch_1000"], bench.create_batch(1000), 1000),
            Variant("copy_1000", LABELS["copy_1000"], _copy_sample(raw, run_id, 1000), 1000),
            Variant("create_many_10000", LABELS["create_many_10000"], bench.create_many(10_000), 10_000),
            Variant("copy_10000", LABELS["copy_10000"], _copy_sample(raw, run_id, 10_000), 10_000),
        ]
        measured = await interleave(variants, rounds)
    finally:
        await raw.close()
        await engine.dispose()

    figures = {
        variant.key: Figure(
            variant.key, variant.label, "rows/s", measured.samples[variant.key], variant.batch
        )
        for variant in variants
    }
    for ours, floor in (("create_batch_1000", "copy_1000"), ("create_many_10000", "copy_10000")):
        figures[ours].ratio = figures[ours].median / figures[floor].median
        figures[ours].ratio_means = f"{ours} rows/s / {floor} rows/s (share of the COPY floor)"
        figures[ours].paired_ratio = measured.paired_ratio(ours, floor)
    return list(figures.values())
