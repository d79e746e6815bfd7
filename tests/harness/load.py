"""Load: the app under uvicorn on loopback, concurrent clients, thousands of mixed requests.

``run(database_url, requests, clients)`` starts ``uvicorn`` in a subprocess on a migrated database,
drives it with ``clients`` concurrent clients, samples the server's connections to the database while
it runs, stops by itself and returns the figures. The suite runs it short
(``tests/reliability/test_load.py``); ``python -m bench.load`` runs it long and prints the figures.

A request fails when it gets a 5xx, a transport error, or a status other than the ones its kind of
request can legitimately get (a 409 for a run another client already started is legitimate).
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from sqlalchemy import make_url

from tests.harness.auth import bearer, committed_token

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


class Lab:
    """Ids made during set-up and by the clients, for requests to refer to."""

    def __init__(self) -> None:
        self.workcells: list[str] = []
        self.machines: list[str] = []
        self.deck_definitions: list[str] = []
        self.decks: list[str] = []
        self.definitions: list[str] = []
        self.runs: list[str] = []
        self.counter = 0

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"


async def created(response: Awaitable[httpx.Response]) -> dict[str, Any]:
    """The body of a set-up POST; a refusal stops the run with the API's own explanation."""
    answer = await response
    if answer.status_code != 201:
        raise RuntimeError(
            f"set-up {answer.request.method} {answer.request.url.path}: {answer.status_code} {answer.text}"
        )
    body: dict[str, Any] = answer.json()
    return body


async def set_up(http: httpx.AsyncClient, lab: Lab) -> None:
    for _ in range(3):
        workcell = await created(
            http.post("/api/v1/workcells", json={"name": lab.name("bay"), "allows_concurrent_runs": True})
        )
        lab.workcells.append(workcell["accession_id"])
    positions = [{"name": f"rail-{i}"} for i in range(1, 31)]
    deck_definition = await created(
        http.post(
            "/api/v1/decks/types",
            json={"name": "STARlet", "fqn": "pylabrobot.resources.STARLetDeck", "positions": positions},
        )
    )
    lab.deck_definitions.append(deck_definition["accession_id"])
    for workcell_id in lab.workcells:
        machine = await created(
            http.post(
                "/api/v1/machines",
                json={
                    "name": lab.name("STAR"),
                    "fqn": "pylabrobot.liquid_handling.LiquidHandler",
                    "workcell_id": workcell_id,
                },
            )
        )
        lab.machines.append(machine["accession_id"])
        deck = await created(
            http.post(
                "/api/v1/decks",
                json={
                    "name": lab.name("deck"),
                    "machine_id": machine["accession_id"],
                    "deck_definition_id": deck_definition["accession_id"],
                },
            )
        )
        lab.decks.append(deck["accession_id"])
    definition = await created(
        http.post(
            "/api/v1/protocols/definitions",
            json={
                "name": "transfer",
                "fqn": "lab.transfer",
                "version": "1.0",
                "parameters": [{"name": "volume_ul", "optional": False}],
            },
        )
    )
    lab.definitions.append(definition["accession_id"])


Request = Callable[[httpx.AsyncClient, Lab, random.Random], Awaitable[tuple[httpx.Response, set[int]]]]


async def list_decks(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    return await http.get("/api/v1/decks", params={"limit": 50, "machine_id": rng.choice(lab.machines)}), {
        200
    }


async def list_deck_definitions(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    return await http.get("/api/v1/decks/types", params={"limit": 20}), {200}


async def list_runs(http: httpx.AsyncClient, lab: Lab, rng: random.Random) -> tuple[httpx.Response, set[int]]:
    return await http.get("/api/v1/protocols/runs", params={"limit": 50, "order_by": "-created_at"}), {200}


async def get_machine(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    return await http.get(f"/api/v1/machines/{rng.choice(lab.machines)}"), {200}


async def create_workcell(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    return await http.post("/api/v1/workcells", json={"name": lab.name("load-bay")}), {201}


async def rename_machine(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    machine_id = rng.choice(lab.machines)
    # without a version: last writer wins; with the version read just before: 409 if someone was faster
    current = await http.get(f"/api/v1/machines/{machine_id}")
    body = {"description": lab.name("serviced"), "version": current.json()["version"]}
    return await http.patch(f"/api/v1/machines/{machine_id}", json=body), {200, 409}


async def run_protocol(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    created = await http.post(
        "/api/v1/protocols/runs",
        json={
            "protocol_definition_id": lab.definitions[0],
            "workcell_id": rng.choice(lab.workcells),
            "input_parameters": {"volume_ul": 50},
        },
    )
    if created.status_code != 201:
        return created, {201}
    run_id = created.json()["accession_id"]
    lab.runs.append(run_id)
    started = await http.post(f"/api/v1/protocols/runs/{run_id}/start")
    if started.status_code != 200:
        return started, {200}
    await http.post(f"/api/v1/protocols/runs/{run_id}/calls", json={"function_name": "aspirate"})
    return await http.post(f"/api/v1/protocols/runs/{run_id}/complete"), {200}


async def record_output(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    if not lab.runs:
        return await list_runs(http, lab, rng)
    body = {
        "protocol_run_id": rng.choice(lab.runs),
        "name": "absorbance_600nm",
        "numeric_value": rng.random(),
        "unit": "OD",
        "well_name": "A1",
    }
    return await http.post("/api/v1/outputs", json=body), {201}


async def missing_deck(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    return await http.get("/api/v1/decks/00000000-0000-7000-8000-000000000000"), {404}


MIX: list[tuple[Request, int]] = [
    (list_decks, 20),
    (list_deck_definitions, 10),
    (list_runs, 10),
    (get_machine, 20),
    (create_workcell, 8),
    (rename_machine, 10),
    (run_protocol, 7),
    (record_output, 10),
    (missing_deck, 5),
]


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_until_up(http: httpx.AsyncClient, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("uvicorn exited during start-up")
        try:
            if (await http.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the app did not answer /health in time")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(database_url: str, requests: int, clients: int) -> Figures:
    """Drive a server on ``database_url`` (migrated, empty) with ``requests`` requests."""
    url = make_url(database_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    port = free_port()
    env = {
        **os.environ,
        "PRAXIS_DATABASE_URL": database_url,
        "PRAXIS_POOL_SIZE": str(POOL_SIZE),
        "PRAXIS_MAX_OVERFLOW": str(MAX_OVERFLOW),
    }
    server = subprocess.Popen(  # noqa: ASYNC220 - the server under load, not awaited work
        [
            sys.executable,
            "-m",
            "uvicorn",
            "praxis.backend.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-keep-alive",
            "60",  # longer than any pause of a client: no connection closed under a request
        ],
        env=env,
    )
    try:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        token = await committed_token(database_url)  # every scope, as an automation client would hold
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60, headers=bearer(token)
        ) as http:
            await wait_until_up(http, server)
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
        server.terminate()
        server.wait(timeout=30)

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
