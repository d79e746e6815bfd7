"""Load: the production server (``praxis serve``) on loopback, concurrent clients, thousands of mixed requests.

``run(database_url, requests, clients)`` starts ``praxis serve`` in a subprocess on a migrated database,
drives it with ``clients`` concurrent clients, samples the server's connections to the database while
it runs, stops by itself and returns the figures. The suite runs it short
(``tests/reliability/test_load.py``); ``python -m bench.load`` runs it long and prints the figures.

A request fails when it gets a 5xx, a transport error, or a status other than the ones its kind of
request can legitimately get (a 409 for a run another client already started is legitimate).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import asyncpg
import httpx
from sqlalchemy import make_url

from tests.harness.auth import bearer, committed_token
from tests.harness.load_mix import MIX, Lab, set_up
from tests.harness.serving import start_serving

# Each request holds one connection, so a pool larger than the number of clients can never be
# exhausted; the run reports the peak it saw, which must stay under this limit.
POOL_SIZE = 20
MAX_OVERFLOW = 40


@dataclass
class Outcome:
    kind: str
    status: int | None
    seconds: float
    ok: bool


@dataclass
class Figures:
    requests: int
    clients: int
    errors: int
    wall_seconds: float
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    by_kind: dict[str, int]
    p50_ms_by_kind: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    peak_server_connections: int = 0
    pool_limit: int = POOL_SIZE + MAX_OVERFLOW


async def client_loop(
    http: httpx.AsyncClient, lab: Lab, seed: int, budget: list[int], outcomes: list[Outcome]
) -> None:
    rng = random.Random(seed)
    kinds, weights = zip(*MIX, strict=True)
    while budget[0] > 0:
        budget[0] -= 1
        request = rng.choices(kinds, weights)[0]
        started = time.perf_counter()
        try:
            response, expected = await request(http, lab, rng)
            status: int | None = response.status_code
            ok = status in expected
        except httpx.HTTPError as error:
            status, ok = None, False
            outcomes.append(
                Outcome(
                    f"{request.__name__} ({type(error).__name__})", None, time.perf_counter() - started, False
                )
            )
            continue
        outcomes.append(Outcome(request.__name__, status, time.perf_counter() - started, ok))


async def sample_connections(dsn: str, database: str, stop: asyncio.Event) -> int:
    """The most server connections the app held to its database at any sample (every 20 ms)."""
    connection = await asyncpg.connect(dsn)
    peak = 0
    try:
        while not stop.is_set():
            count = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
            peak = max(peak, int(count))
            await asyncio.sleep(0.02)
    finally:
        await connection.close()
    return peak


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(database_url: str, requests: int, clients: int) -> Figures:
    """Drive a server on ``database_url`` (migrated, empty) with ``requests`` requests."""
    url = make_url(database_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    env = {
        "PRAXIS_DATABASE_URL": database_url,
        "PRAXIS_POOL_SIZE": str(POOL_SIZE),
        "PRAXIS_MAX_OVERFLOW": str(MAX_OVERFLOW),
        # longer than any pause of a client: no connection closed under a request
        "PRAXIS_KEEP_ALIVE_TIMEOUT": "60",
    }
    # production's server, on a port it binds itself (``praxis serve --port 0``); no worker: the load
    # is the API's
    server = await asyncio.to_thread(start_serving, "--no-worker", env=env)
    try:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        token = await committed_token(database_url)  # every scope, as an automation client would hold
        async with httpx.AsyncClient(
            base_url=server.url, limits=limits, timeout=60, headers=bearer(token)
        ) as http:
            lab = Lab()
            await set_up(http, lab)
            outcomes: list[Outcome] = []
            budget = [requests]
            stop = asyncio.Event()
            sampler = asyncio.create_task(sample_connections(dsn, str(url.database), stop))
            started = time.perf_counter()
            try:
                await asyncio.gather(
                    *(client_loop(http, lab, seed, budget, outcomes) for seed in range(clients))
                )
            finally:
                # the sampler stops with the clients, even when they fail: it must not outlive the run
                wall = time.perf_counter() - started
                stop.set()
                peak = await sampler
    finally:
        await asyncio.to_thread(server.stop)

    latencies = [o.seconds * 1000 for o in outcomes]
    failures = Counter(f"{o.kind} -> {o.status}" for o in outcomes if not o.ok)
    return Figures(
        requests=len(outcomes),
        clients=clients,
        errors=sum(failures.values()),
        wall_seconds=round(wall, 2),
        requests_per_second=round(len(outcomes) / wall, 1),
        p50_ms=round(statistics.median(latencies), 2),
        p90_ms=round(percentile(latencies, 0.90), 2),
        p99_ms=round(percentile(latencies, 0.99), 2),
        max_ms=round(max(latencies), 2),
        statuses={str(k): v for k, v in sorted(Counter(str(o.status) for o in outcomes).items())},
        by_kind=dict(sorted(Counter(o.kind for o in outcomes).items())),
        p50_ms_by_kind={
            kind: round(statistics.median([o.seconds * 1000 for o in outcomes if o.kind == kind]), 2)
            for kind in sorted({o.kind for o in outcomes})
        },
        failures=[f"{kind}: {count}" for kind, count in failures.most_common()],
        peak_server_connections=peak,
    )
