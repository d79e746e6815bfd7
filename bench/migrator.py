"""``python -m bench.migrator``: what a migration test costs, against a test at head.

Four variants, rounds interleaved (``bench.timing``), on the server and templates the tests use:

* **head test**: what a ``db_session`` test costs: ``isolated_session`` on a pooled connection of a
  database at head, one row flushed, rolled back;
* **migrator, clone + drop**: a ``migrator`` database at 0001 (cloned from its revision's template)
  made and dropped, nothing else;
* **migrator test**: the 0002 data test's work: the clone at 0001, a definition, a run and a call
  inserted in 0001's reflected schema, ``upgrade("0002")``, the calls read back, the drop;
* **walk from base**: the same test on an empty database migrated base -> 0001 first: what every
  migration test would cost without a template per revision;
* **at 0003, clone vs walk**: where a test of 0004 starts, cloned, or walked from base (three
  revisions, the job queue's schema among them): the walk grows with every revision, the clone not.

Figures: ms per test (median over rounds) and each one's ratio to the head test, printed and written
to ``bench/results-migrator.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from bench.timing import Measure, Stopwatch, Variant, interleave
from praxis.backend.models.orm import WorkcellOrm
from tests.harness.harness import Harness
from tests.harness.migrator import Migrator, database_at
from tests.harness.server import resolve_server
from tests.harness.session import isolated_session

OUTPUT = Path(__file__).resolve().parent / "results-migrator.json"


async def a_call_at_0001(migrator: Migrator) -> None:
    [definition] = await migrator.insert(
        "protocol_definition", [{"name": "p", "fqn": "lab.p", "version": "1"}]
    )
    [run] = await migrator.insert(
        "protocol_run",
        [{"name": "r", "status": "running", "protocol_definition_id": definition["accession_id"]}],
    )
    await migrator.insert(
        "function_call_log",
        [
            {
                "protocol_run_id": run["accession_id"],
                "sequence": 0,
                "function_name": "f",
                "status": "succeeded",
            }
        ],
    )


async def upgraded(migrator: Migrator) -> None:
    await a_call_at_0001(migrator)
    await migrator.upgrade("0002")
    assert [row["status"] for row in await migrator.rows("function_call_log", "status")] == ["completed"]


async def measure(rounds: int) -> dict[str, dict[str, object]]:
    harness = await Harness(resolve_server()).open()
    head_name = harness.database_name("bench_mig_head")
    engine = create_async_engine(await harness.clone(head_name), pool_size=2)
    migrator_name = harness.database_name("bench_mig")

    async def head_test() -> float:
        with Stopwatch() as watch:
            async with isolated_session(engine) as session:
                session.add(WorkcellOrm(name="bay-1"))
                await session.flush()
        return watch.seconds

    @asynccontextmanager
    async def walked(to: str) -> AsyncIterator[Migrator]:
        """An empty database migrated base -> ``to``: what a test would pay without the templates."""
        migrator = Migrator(await harness.create_empty(migrator_name), "base")
        try:
            await migrator.upgrade(to)
            yield migrator
        finally:
            await migrator.close()
            await harness.drop(migrator_name)

    def timed(start: Callable[[], AbstractAsyncContextManager[Migrator]], test: bool) -> Measure:
        """A sample: the database ``start`` gives, with the 0002 test's work on it if ``test``."""

        async def sample() -> float:
            with Stopwatch() as watch:
                async with start() as migrator:
                    if test:
                        await upgraded(migrator)
            return watch.seconds

        return sample

    def cloned(revision: str) -> Callable[[], AbstractAsyncContextManager[Migrator]]:
        return lambda: database_at(harness, migrator_name, revision)

    variants = [
        Variant("head", "head test (db_session, one row)", head_test),
        Variant("clone", "migrator at 0001: clone + drop", timed(cloned("0001"), test=False)),
        Variant(
            "migrator",
            "migrator test: clone at 0001, rows, upgrade 0002, read, drop",
            timed(cloned("0001"), test=True),
        ),
        Variant("walk", "the same test walking base -> 0001 first", timed(lambda: walked("0001"), test=True)),
        Variant(
            "clone_0003",
            "a database at 0003 (where a test of 0004 starts): clone + drop",
            timed(cloned("0003"), test=False),
        ),
        Variant("walk_0003", "the same walking base -> 0003", timed(lambda: walked("0003"), test=False)),
    ]
    try:
        result = await interleave(variants, rounds, progress=print)
    finally:
        await engine.dispose()
        await harness.drop(head_name)
        await harness.close()
    head = statistics.median(result.samples["head"])
    figures: dict[str, dict[str, object]] = {}
    for variant in variants:
        median = statistics.median(result.samples[variant.key])
        figures[variant.key] = {
            "label": variant.label,
            "median_ms": round(median * 1000, 2),
            "ratio_to_head": round(median / head, 1),
            "paired_ratio_to_head": round(result.paired_ratio(variant.key, "head"), 1),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    figures = asyncio.run(measure(args.rounds))
    print("| variant | ms per test | x head test |\n|---|---:|---:|")
    for figure in figures.values():
        print(f"| {figure['label']} | {figure['median_ms']} | {figure['ratio_to_head']} |")
    OUTPUT.write_text(json.dumps({"rounds": args.rounds, "figures": figures}, indent=2) + "\n")


if __name__ == "__main__":
    main()
