"""Execution: how fast a queued run starts, what logging a call costs, how runs scale with workers.

``python -m bench.execution`` (or the ``execution`` section of ``python -m bench``) on a bench
database cloned from the tests' template, with real ``praxis worker`` processes:

1. queued -> running (median, p99) with 1 and 2 workers, against pgqueuer's bare job round trip
   (enqueue to handler, no-op job) on the same server;
2. queued -> first call logged, against the floor of a bare child process importing the same modules;
3. logging overhead per decorated call against an undecorated call, 1,000 calls (goal: < 0.5 ms);
4. runs per minute of a 100-call protocol, 1 worker against 2 (goal: 2 workers >= 1.8x).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
from pgqueuer import AsyncpgDriver, Job, Queries, QueueManager
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bench.databases import BenchDatabase, BenchDatabases
from bench.report import print_figures
from bench.timing import Figure
from praxis.backend.db.session import create_sessionmaker
from praxis.backend.execution.messages import MessageWriter
from praxis.backend.execution.tracing import Tracer, activate, deactivate, protocol_function
from praxis.backend.services.discovery import DiscoveryService
from praxis.backend.services.protocol import ProtocolRunService
from praxis.backend.services.unit_of_work import UnitOfWork
from tests.harness.execution import wait_for_end, wait_for_ends, worker_process

PROTOCOLS = """
from praxis.backend.protocols import protocol, protocol_function

@protocol_function
def step(n: int) -> int:
    return n

@protocol
def calls(count: int = 100) -> int:
    for n in range(count):
        step(n)
    return count
"""


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def _definition(database: BenchDatabase, directory: Path) -> uuid.UUID:
    engine = create_async_engine(database.url, poolclass=NullPool)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            found = await DiscoveryService(uow.repos).discover_and_upsert_protocols(directory)
            await uow.commit()
            return found.definitions[0].accession_id
    finally:
        await engine.dispose()


async def _queue_runs(
    database: BenchDatabase, definition: uuid.UUID, count: int, calls: int
) -> list[uuid.UUID]:
    engine = create_async_engine(database.url, poolclass=NullPool)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            runs = ProtocolRunService(uow.repos)
            ids = [
                (
                    await runs.create(
                        {
                            "protocol_definition_id": definition,
                            "input_parameters": {"count": calls},
                            "queue": True,
                        }
                    )
                ).accession_id
                for _ in range(count)
            ]
            await uow.commit()
            return ids
    finally:
        await engine.dispose()


async def _run_batch(
    database: BenchDatabase,
    definition: uuid.UUID,
    workers: int,
    runs: int,
    calls: int,
    *,
    one_at_a_time: bool,
) -> dict[str, Any]:
    """Queue ``runs`` runs with ``workers`` workers already waiting; their timings as the rows say.

    ``one_at_a_time``: each run is queued once the one before has ended, so its start measures the
    queue's dispatch (a worker waking, taking the job, beginning the run), not a wait behind others.
    """
    with ExitStack() as stack:
        for _ in range(workers):
            stack.enter_context(worker_process(database.url))
        await asyncio.sleep(3)  # the workers are up and listening before the clock starts
        began = time.perf_counter()
        if one_at_a_time:
            ids = []
            for _ in range(runs):
                ids += await _queue_runs(database, definition, 1, calls)
                await wait_for_end(database.url, ids[-1], within=900)
        else:
            ids = await _queue_runs(database, definition, runs, calls)
            await wait_for_ends(database.url, ids, within=900)
        wall = time.perf_counter() - began
    connection = await asyncpg.connect(database.dsn)
    try:
        rows = await connection.fetch(
            "SELECT r.status, extract(epoch FROM r.started_at - r.queued_at) AS start_s,"
            " extract(epoch FROM (SELECT min(started_at) FROM function_call_log f"
            "  WHERE f.protocol_run_id = r.accession_id) - r.queued_at) AS first_call_s"
            " FROM protocol_run r WHERE r.accession_id = ANY($1)",
            ids,
        )
        await connection.execute("DELETE FROM protocol_run WHERE accession_id = ANY($1)", ids)
    finally:
        await connection.close()
    assert {row["status"] for row in rows} == {"completed"}, [row["status"] for row in rows]
    return {
        "start": [float(row["start_s"]) for row in rows],
        "first_call": [float(row["first_call_s"]) for row in rows],
        "runs_per_minute": runs / wall * 60,
    }


async def _bare_round_trip(database: BenchDatabase, jobs: int) -> list[float]:
    """pgqueuer alone: enqueue a job, time until its handler runs (a worker already listening)."""
    listener = await asyncpg.connect(database.dsn)
    producer = await asyncpg.connect(database.dsn)
    latencies: list[float] = []
    done = asyncio.Event()
    manager = QueueManager(Queries(AsyncpgDriver(listener)))

    @manager.entrypoint("bench_noop")
    async def noop(job: Job) -> None:
        assert job.payload is not None
        latencies.append(time.time() - float(job.payload.decode()))
        if len(latencies) == jobs:
            done.set()
            manager.shutdown.set()

    runner = asyncio.create_task(manager.run(dequeue_timeout=timedelta(seconds=2), batch_size=1))
    await asyncio.sleep(1)
    queries = Queries(AsyncpgDriver(producer))
    for _ in range(jobs):
        await queries.enqueue("bench_noop", str(time.time()).encode())
        await asyncio.sleep(0.05)  # one job at a time: latency, not throughput
    await asyncio.wait_for(done.wait(), 60)
    await runner
    await listener.close()
    await producer.close()
    return latencies


def _bare_child_start(rounds: int) -> list[float]:
    """A child interpreter importing what the runner imports, to exit: the floor of a run's start."""
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import praxis.backend.execution.runner, praxis.backend.services.discovery.importer",
            ],
            check=True,
        )
        samples.append(time.perf_counter() - began)
    return samples


def _logging_overhead(calls: int, rounds: int) -> tuple[list[float], list[float]]:
    """Per-call time of ``calls`` decorated calls inside a run (messages to a pipe a thread drains)
    and of the same calls undecorated, in ms; one sample per round."""

    def plain(n: int) -> int:
        return n

    traced = protocol_function(plain)
    read, write = os.pipe()
    drainer = threading.Thread(
        target=lambda: [None for _ in iter(lambda: os.read(read, 1 << 16), b"")], daemon=True
    )
    drainer.start()
    tracer = Tracer(MessageWriter(write).send)
    decorated, undecorated = [], []
    for _ in range(rounds):
        token = activate(tracer)
        began = time.perf_counter()
        for n in range(calls):
            traced(n)
        decorated.append((time.perf_counter() - began) / calls * 1000)
        deactivate(token)
        began = time.perf_counter()
        for n in range(calls):
            plain(n)
        undecorated.append((time.perf_counter() - began) / calls * 1000)
    os.close(write)
    return decorated, undecorated


async def run(databases: BenchDatabases, *, quick: bool = False) -> tuple[list[Figure], list[str]]:
    database = await databases.clone("execution")
    directory = Path(tempfile.mkdtemp(prefix="praxis-bench-"))
    (directory / "calls.py").write_text(textwrap.dedent(PROTOCOLS))
    definition = await _definition(database, directory)
    latency_runs, throughput_runs = (6, 6) if quick else (20, 24)

    one = await _run_batch(database, definition, workers=1, runs=latency_runs, calls=1, one_at_a_time=True)
    two = await _run_batch(database, definition, workers=2, runs=latency_runs, calls=1, one_at_a_time=True)
    bare = await _bare_round_trip(database, jobs=latency_runs)
    floor = _bare_child_start(5 if quick else 11)
    decorated, undecorated = _logging_overhead(1000, 5 if quick else 15)
    throughput_one = await _run_batch(
        database, definition, workers=1, runs=throughput_runs, calls=100, one_at_a_time=False
    )
    throughput_two = await _run_batch(
        database, definition, workers=2, runs=throughput_runs, calls=100, one_at_a_time=False
    )

    def ms(values: list[float]) -> list[float]:
        return [v * 1000 for v in values]

    bare_median = statistics.median(bare) * 1000
    floor_median = statistics.median(floor) * 1000
    overhead = [d - u for d, u in zip(decorated, undecorated, strict=True)]
    figures = [
        Figure(
            "start_1",
            "queued -> running, 1 worker",
            "ms",
            ms(one["start"]),
            extra={"p99": p99(ms(one["start"]))},
        ),
        Figure(
            "start_2",
            "queued -> running, 2 workers",
            "ms",
            ms(two["start"]),
            extra={"p99": p99(ms(two["start"]))},
        ),
        Figure("bare_job", "pgqueuer bare job round trip", "ms", ms(bare), extra={"p99": p99(ms(bare))}),
        Figure("first_call", "queued -> first call logged, 1 worker", "ms", ms(one["first_call"])),
        Figure("child_floor", "bare child process importing the runner", "ms", ms(floor)),
        Figure("call_overhead", "logging overhead per decorated call (1,000 calls)", "ms", overhead),
        Figure(
            "runs_1",
            "runs per minute, 100-call protocol, 1 worker",
            "runs/min",
            [throughput_one["runs_per_minute"]],
        ),
        Figure(
            "runs_2",
            "runs per minute, 100-call protocol, 2 workers",
            "runs/min",
            [throughput_two["runs_per_minute"]],
        ),
    ]
    figures[0].ratio, figures[0].ratio_means = figures[0].median / bare_median, "x the bare job round trip"
    figures[1].ratio, figures[1].ratio_means = figures[1].median / bare_median, "x the bare job round trip"
    figures[3].ratio, figures[3].ratio_means = figures[3].median / floor_median, "x the bare child process"
    figures[7].ratio, figures[7].ratio_means = (
        figures[7].median / figures[6].median,
        "x 1 worker (goal >= 1.8)",
    )
    notes = [
        f"{os.cpu_count()} CPUs; workers are `praxis worker` processes; every run's protocol is a child process",
        "logging overhead goal: < 0.5 ms median per decorated call",
    ]
    return figures, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs: checks the benchmark itself")
    args = parser.parse_args(argv)

    async def measure() -> tuple[list[Figure], list[str]]:
        databases = await BenchDatabases.open()
        try:
            return await run(databases, quick=args.quick)
        finally:
            await databases.close()

    print_figures(*asyncio.run(measure()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
