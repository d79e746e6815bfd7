"""Run events: what 200 watching clients cost one API server, and what a stalled client costs it.

``python -m bench.events [--quick]`` on a bench database cloned from the tests' template, against a
real ``praxis serve --no-worker`` process (so its memory is its own); the bench writes a run's calls
in batches as a worker does (one transaction per batch, the database's triggers number the events).

1. 200 clients stream one run's events at once: the server's database connections while they do
   (how many listen: the event hub's, named ``praxis-event-hub``), whether every client got every
   event, and how long a batch takes from commit to its last client (p50, p99).
2. One client stalls (a small receive window, never read) while 20,000 then 80,000 more events are
   written: the server's resident memory after each, against a server whose one client reads. A
   stalled client's buffer is dropped at PRAXIS_EVENT_BUFFER events, so memory must not follow the
   event count; afterwards the client reads on and must get every event (from the stored rows).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from bench.databases import BenchDatabase, BenchDatabases
from bench.report import print_figures
from bench.timing import Figure

CLIENTS = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``praxis serve --no-worker`` on the bench database, in a process of its own."""

    def __init__(self, database: BenchDatabase, **environment: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PRAXIS_DATABASE_URL": database.url, **environment}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "praxis.backend.cli", "serve", "--no-worker", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def started(self) -> None:
        async with httpx.AsyncClient() as http:
            for _ in range(400):
                try:
                    if (await http.get(f"{self.url}/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError("the server did not start")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


async def _run(connection: asyncpg.Connection) -> uuid.UUID:
    """A running run of a protocol definition of its own."""
    definition = await connection.fetchval(
        "INSERT INTO protocol_definition (accession_id, name, fqn, version) "
        "VALUES ($1, 'bench', 'bench.events', $2) RETURNING accession_id",
        uuid.uuid4(),
        str(uuid.uuid4())[:8],
    )
    return await connection.fetchval(  # type: ignore[no-any-return]
        "INSERT INTO protocol_run (accession_id, name, status, protocol_definition_id) "
        "VALUES ($1, 'bench', 'running', $2) RETURNING accession_id",
        uuid.uuid4(),
        definition,
    )


async def _write_batch(connection: asyncpg.Connection, run_id: uuid.UUID, first: int, count: int) -> None:
    """``count`` calls, started and ended, in one transaction and one statement (as a worker's batch)."""
    await connection.execute(
        "INSERT INTO function_call_log (accession_id, protocol_run_id, sequence, function_name, status, "
        "arguments, started_at, ended_at, duration_ms) "
        "SELECT gen_random_uuid(), $1, s, 'step', 'completed', '{}', clock_timestamp(), clock_timestamp(), 0.01 "
        "FROM generate_series($2::int, $3::int) AS s",
        run_id,
        first,
        first + count - 1,
    )


async def _end(connection: asyncpg.Connection, run_id: uuid.UUID) -> None:
    await connection.execute("UPDATE protocol_run SET status = 'completed' WHERE accession_id = $1", run_id)


async def _server_connections(
    connection: asyncpg.Connection, database: str, pid_exclude: int
) -> dict[str, int]:
    rows = await connection.fetch(
        "SELECT application_name FROM pg_stat_activity WHERE datname = $1 AND pid <> $2",
        database,
        pid_exclude,
    )
    return {
        "listening": sum(r["application_name"] == "praxis-event-hub" for r in rows),
        "total": len(rows),
    }


async def fan_out(database: BenchDatabase, *, batches: int) -> dict[str, float]:
    server = Server(database)
    try:
        await server.started()
        connection = await asyncpg.connect(database.dsn)
        run_id = await _run(connection)
        received = [0] * CLIENTS
        last_seen: dict[int, list[float]] = {}
        ready = asyncio.Event()
        connected = 0

        async def client(index: int, http: httpx.AsyncClient) -> None:
            nonlocal connected
            async with http.stream("GET", f"/api/v1/protocols/runs/{run_id}/events") as response:
                async for line in response.aiter_lines():
                    if line.startswith("retry:"):
                        connected += 1
                        if connected == CLIENTS:
                            ready.set()
                    elif line.startswith("data:"):
                        received[index] += 1
                        data = json.loads(line[5:])
                        if "sequence" in data and data.get("status") == "completed":
                            last_seen.setdefault(data["sequence"], []).append(time.perf_counter())

        limits = httpx.Limits(max_connections=CLIENTS + 10)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=120) as http:
            tasks = [asyncio.create_task(client(i, http)) for i in range(CLIENTS)]
            await asyncio.wait_for(ready.wait(), 60)
            await asyncio.sleep(1)  # every stream past its replay and subscribed
            during = await _server_connections(connection, database.name, connection.get_server_pid())
            committed: dict[int, float] = {}
            size = 10
            for batch in range(batches):
                first = batch * size + 1
                await _write_batch(connection, run_id, first, size)
                committed[first + size - 1] = time.perf_counter()
                await asyncio.sleep(0.25)  # paced: latency, not the throughput of one 2-CPU machine
            await _end(connection, run_id)
            await asyncio.wait_for(asyncio.gather(*tasks), 120)
        await connection.close()
        expected = 1 + batches * size * 2 + 1  # status running (replayed), the calls, status completed
        latencies = [
            (max(last_seen[seq]) - at) * 1000
            for seq, at in committed.items()
            if len(last_seen.get(seq, [])) == CLIENTS
        ]
        return {
            "clients": CLIENTS,
            "listening_connections": during["listening"],
            "server_connections_all": during["total"],  # the hub's, and the pool's idle ones
            "clients_with_every_event": sum(r == expected for r in received),
            "events_per_client": expected,
            "fanout_p50_ms": statistics.median(latencies),
            "fanout_p99_ms": sorted(latencies)[int(0.99 * (len(latencies) - 1))],
        }
    finally:
        server.stop()


async def _read_to_end(loop: asyncio.AbstractEventLoop, sock: socket.socket, data: bytearray) -> None:
    """Read the HTTP response into ``data`` until its last (empty) chunk."""
    while not data.endswith(b"0\r\n\r\n"):
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 1 << 16), 120)
        if not chunk:
            break
        data.extend(chunk)


async def stalled(database: BenchDatabase, *, events: tuple[int, int]) -> dict[str, float]:
    figures: dict[str, float] = {}
    for label, stalls in (("reading_client", False), ("stalled_client", True)):
        server = Server(database)
        try:
            await server.started()
            connection = await asyncpg.connect(database.dsn)
            run_id = await _run(connection)
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(
                f"GET /api/v1/protocols/runs/{run_id}/events HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
            )
            sock.setblocking(False)
            loop = asyncio.get_running_loop()
            data = bytearray()

            reading = None if stalls else asyncio.create_task(_read_to_end(loop, sock, data))
            await asyncio.sleep(0.5)
            figures[f"{label}_rss_start_mb"] = server.rss_mb()
            written = 0
            for step, target in enumerate(events, start=1):
                while written < target // 2:  # two events per call
                    await _write_batch(connection, run_id, written + 1, 500)
                    written += 500
                await asyncio.sleep(1)
                figures[f"{label}_rss_after_{step}_mb"] = server.rss_mb()
            await _end(connection, run_id)
            await (reading or _read_to_end(loop, sock, data))
            figures[f"{label}_events_read"] = data.count(b"\nevent: ")
            figures["events_written"] = written * 2 + 2
            sock.close()
            await connection.close()
        finally:
            server.stop()
    return figures


async def run(databases: BenchDatabases, *, quick: bool) -> tuple[list[Figure], list[str]]:
    """Both measurements as figures, for ``python -m bench``'s section 8."""
    first = await fan_out(await databases.clone("fanout"), batches=20 if quick else 100)
    second = await stalled(
        await databases.clone("stalled"), events=(4_000, 16_000) if quick else (20_000, 100_000)
    )
    growth = second["stalled_client_rss_after_2_mb"] - second["stalled_client_rss_after_1_mb"]
    baseline = second["reading_client_rss_after_2_mb"] - second["reading_client_rss_after_1_mb"]
    figures = [
        Figure(
            "listening_connections",
            f"listening connections, {CLIENTS} clients",
            "",
            [first["listening_connections"]],
        ),
        Figure(
            "clients_with_every_event",
            f"clients that got every event (of {CLIENTS})",
            "",
            [first["clients_with_every_event"]],
        ),
        Figure(
            "fanout",
            "commit to the last client, per batch",
            "ms",
            [first["fanout_p50_ms"]],
            extra={"p99": first["fanout_p99_ms"]},
        ),
        Figure(
            "stalled_growth",
            "server memory growth with a stalled client",
            "MB",
            [growth],
            ratio=growth / baseline if baseline > 0 else None,
            ratio_means="x a reading client's",
        ),
    ]
    notes = [
        f"{first['events_per_client']:.0f} events per client; server connections while streaming: "
        f"{first['server_connections_all']:.0f} (the hub's one listening, the pool's idle ones)",
        f"memory growth from the first to the second step: reading client {baseline:.1f} MB",
    ]
    return figures, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller: checks the benchmark itself")
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
