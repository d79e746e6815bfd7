"""``python -m bench``: run every section, print the tables, write ``bench/results.json``.

Sections 1-3 and 6 run in this process on bench databases cloned from the tests' template; sections
4-5 run pytest in subprocesses. ``--quick`` keeps the same comparisons with fewer rounds, no external
server and no scaling run, to check the benchmark itself in about a minute; its timings are too few
to judge targets by. Section 6's statement counts are exact in any run, but ``--quick`` compares 10
rows with 200 rather than 1,000: seeding 1,000 runs with their call logs alone takes about 6 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import bulk, events, execution, graphs, isolation, list_reads, suite
from bench.databases import BenchDatabases
from bench.report import Section, evaluate, markdown, write_json
from tests.harness.locks import connect_lock_database

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results.json"
SECTIONS = ("isolation", "graphs", "bulk", "start", "scaling", "lists", "execution", "events")


@dataclass(frozen=True)
class Plan:
    """Rounds and batch sizes: enough repetitions for stable medians within the time budget."""

    isolation_rounds: int
    isolation_batch: dict[str, int]
    graph_rounds: int
    graph_batch: int
    bulk_rounds: int
    start_rounds: int
    start_external: bool
    scaling_rounds: int  # 0: skipped
    list_rounds: int
    list_batch: int
    list_rows: tuple[int, ...]
    sections: tuple[str, ...] = field(default=SECTIONS)


FULL = Plan(
    isolation_rounds=11,
    isolation_batch={
        "ours": 40,
        "floor": 40,
        "truncate": 3,
        "clone": 1,
        "schema_migrations": 1,
        "schema_create_all": 1,
    },
    graph_rounds=13,
    graph_batch=10,
    bulk_rounds=8,
    start_rounds=3,
    start_external=True,
    scaling_rounds=1,
    list_rounds=11,
    list_batch=5,
    list_rows=list_reads.ROW_COUNTS,
)
QUICK = Plan(
    isolation_rounds=5,
    isolation_batch={
        "ours": 20,
        "floor": 20,
        "truncate": 2,
        "clone": 1,
        "schema_migrations": 1,
        "schema_create_all": 1,
    },
    graph_rounds=5,
    graph_batch=5,
    bulk_rounds=3,
    start_rounds=1,
    start_external=False,
    scaling_rounds=0,
    list_rounds=3,
    list_batch=3,
    list_rows=list_reads.QUICK_ROW_COUNTS,
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def guarded(sections: dict[str, Section], section: Section, work: Awaitable[None]) -> None:
    """Run one section; if it fails, keep the others and record the failure in its place.

    The benchmark runs against code other people are changing; one broken piece must not cost the
    figures of every other section."""
    try:
        await work
    except Exception as error:
        traceback.print_exc()
        section.figures = []
        section.skipped = f"failed: {type(error).__name__}: {str(error)[:300]}"
    sections[section.key] = section


async def run_in_process(plan: Plan, sections: dict[str, Section], run: dict[str, Any]) -> None:
    """Sections 1-3 and 6: on bench databases of the tests' server, dropped again at the end."""
    wanted = [
        key for key in ("isolation", "graphs", "bulk", "lists", "execution", "events") if key in plan.sections
    ]
    if not wanted:
        return
    databases = await BenchDatabases.open()
    run["server"] = await _describe_server(databases)
    try:
        if "isolation" in wanted:
            log("1/6 isolation cost per test")
            section = Section("isolation", "1. Isolation cost per test (ms per test)")
            section.notes = [
                "schema variants use a fresh connection per test (NullPool): after DROP SCHEMA a pooled "
                "connection's cached prepared statements would point at dropped tables",
                "the migrations variant runs alembic upgrade head (what tests use); the create_all variant "
                "replays metadata DDL and is shown only to separate Alembic's overhead: tests never use it",
            ]

            async def measure_isolation(section: Section = section) -> None:
                section.figures = await isolation.run(
                    databases, rounds=plan.isolation_rounds, batch=plan.isolation_batch
                )

            await guarded(sections, section, measure_isolation())
        if "graphs" in wanted:
            log("2/6 object graph creation")
            section = Section("graphs", "2. Deck graph creation (ms per graph, statements per graph)")
            section.notes = [
                "graph: workcell, machine, deck definition with 2 positions, deck; all in db_session",
                "polyfactory uses its stock async persistence (add, commit = RELEASE SAVEPOINT, refresh)",
            ]

            async def measure_graphs(section: Section = section) -> None:
                section.figures = await graphs.run(
                    databases, rounds=plan.graph_rounds, batch=plan.graph_batch
                )

            await guarded(sections, section, measure_graphs())
        if "bulk" in wanted:
            log("3/6 bulk creation")
            section = Section("bulk", "3. Bulk creation of data outputs (rows per second)")
            section.notes = ["create_batch(1000) includes creating its run's parents once (2 INSERTs)"]

            async def measure_bulk(section: Section = section) -> None:
                section.figures = await bulk.run(databases, rounds=plan.bulk_rounds)

            await guarded(sections, section, measure_bulk())
        if "lists" in wanted:
            log("6/6 list reads")
            section = Section("lists", list_reads.title(plan.list_rows))
            section.notes = [
                f"deck types with {len(list_reads.POSITIONS)} positions each; runs with "
                f"{len(list_reads.CALLS)} function call logs each (append_call), on every row of the table",
                "one GET counted after a warm-up GET, on the session's connection; every response "
                "checked: 200, min(limit, rows) items, X-Total-Count, all children of each item",
                "times: the whole request in-process (ASGI transport, routing, queries, serialisation); "
                "each session's identity map emptied after seeding, as a production request starts",
            ]

            async def measure_lists(section: Section = section) -> None:
                result = await list_reads.run(
                    databases, rounds=plan.list_rounds, batch=plan.list_batch, row_counts=plan.list_rows
                )
                if isinstance(result, list_reads.Skipped):
                    section.skipped = result.reason
                else:
                    section.figures = result

            await guarded(sections, section, measure_lists())
        if "execution" in wanted:
            log("7/7 execution (praxis worker processes)")
            section = Section("execution", "7. Execution: queue latency, call logging, runs per worker")

            async def measure_execution(section: Section = section) -> None:
                section.figures, section.notes = await execution.run(
                    databases, quick=plan.scaling_rounds == 0
                )

            await guarded(sections, section, measure_execution())
        if "events" in wanted:
            log("8/8 run events (a praxis serve process, 200 streaming clients)")
            section = Section("events", "8. Run events: 200 watchers, a stalled client")

            async def measure_events(section: Section = section) -> None:
                section.figures, section.notes = await events.run(databases, quick=plan.scaling_rounds == 0)

            await guarded(sections, section, measure_events())
    finally:
        await databases.close()


async def run_subprocesses(plan: Plan, sections: dict[str, Section]) -> None:
    if "start" in plan.sections:
        log("4/6 suite start (pytest subprocesses)")
        section = Section("start", "4. Suite start: process start to the first test body (s)")

        async def measure_start(section: Section = section) -> None:
            section.figures, section.notes = await suite.run_start(
                rounds=plan.start_rounds, cold=True, external=plan.start_external
            )

        await guarded(sections, section, measure_start())
    if "scaling" in plan.sections:
        section = Section("scaling", "5. Scaling: the whole suite with pytest-xdist (s)")
        if plan.scaling_rounds:
            log("5/6 scaling (-n 1 / -n 2)")

            async def measure_scaling(section: Section = section) -> None:
                section.figures, section.notes = await suite.run_scaling(rounds=plan.scaling_rounds)

            await guarded(sections, section, measure_scaling())
        else:
            section.skipped = "not run with --quick"
            sections["scaling"] = section


async def _describe_server(databases: BenchDatabases) -> dict[str, Any]:
    server = databases.server
    # Not the template: a connection to it would make other runs' clones from it fail meanwhile.
    connection = await connect_lock_database(server)
    try:
        version = await connection.fetchval("SHOW server_version")
        fsync = await connection.fetchval("SHOW fsync")
    finally:
        await connection.close()
    return {
        "embedded": server.embedded,
        "url": server.admin_url.render_as_string(hide_password=True),
        "postgresql": version,
        "fsync": fsync,
        "template": databases.template.name,
    }


def _git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmark Praxis's test fixture layer (see bench/README.md)."
    )
    parser.add_argument("--quick", action="store_true", help="a short run (under a minute): fewer rounds")
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable); the others are left out of the results",
    )
    parser.add_argument(
        "--skip",
        action="append",
        choices=SECTIONS,
        default=[],
        help="leave this section out (repeatable); e.g. --skip scaling saves two runs of the whole suite",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON results")
    args = parser.parse_args(argv)

    plan = QUICK if args.quick else FULL
    chosen = tuple(key for key in SECTIONS if key in (args.only or SECTIONS) and key not in args.skip)
    plan = Plan(**{**plan.__dict__, "sections": chosen})

    started = time.perf_counter()
    run: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load_average_at_start": _load(),
        "test_database_url_set": bool(os.environ.get("TEST_DATABASE_URL")),
    }
    sections: dict[str, Section] = {}
    asyncio.run(run_in_process(plan, sections, run))
    asyncio.run(run_subprocesses(plan, sections))
    ordered = {key: sections[key] for key in SECTIONS if key in sections}
    run["duration_s"] = round(time.perf_counter() - started, 1)
    run["load_average_at_end"] = _load()

    targets = evaluate(ordered)
    print(markdown(ordered, targets))
    write_json(args.output, run, ordered, targets)
    log(f"done in {run['duration_s']} s; results written to {args.output}")
    return 0


def _load() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None
