"""Run events as Server-Sent Events, across processes: a run executed by a ``praxis worker`` is
watched through a second API instance; a client that reconnects with ``Last-Event-ID`` misses nothing."""

from __future__ import annotations

import asyncio
import random
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from praxis.backend.services.discovery import DiscoveryService
from praxis.backend.settings import Settings
from tests.builders import Builders
from tests.harness.auth import bearer, committed_token
from tests.harness.events import Event, parse, read_events
from tests.harness.execution import wait_for_end, worker_process
from tests.harness.live import LiveServer, running_server
from tests.protocol_files import TICKS

RUNS = "/api/v1/protocols/runs"


async def discover_ticks(server: LiveServer, directory: Path) -> str:
    """The ``ticks`` protocol, discovered into the server's database: its definition's id."""
    (directory / "ticks.py").write_text(TICKS)

    async def discover(repos: Builders) -> str:
        found = await DiscoveryService(repos.repositories).discover_and_upsert_protocols(directory)
        return str(found.definitions[0].accession_id)

    return await server.arrange(discover)


@pytest.fixture
async def ticks(live_server: LiveServer, tmp_path: Path) -> str:
    return await discover_ticks(live_server, tmp_path)


@pytest.fixture
def second_server(live_server: LiveServer) -> Iterator[LiveServer]:
    """Another API process's worth of server (its own event hub) on the same database."""
    with running_server(live_server.database_url) as server:
        yield server


async def create_run(http: httpx.AsyncClient, definition: str, count: int) -> str:
    response = await http.post(
        RUNS, json={"protocol_definition_id": definition, "input_parameters": {"count": count}}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["accession_id"])


async def stored_event_ids(live_server: LiveServer, run_id: str) -> list[int]:
    async with live_server.connection() as connection:
        rows = await connection.fetch(
            "SELECT id FROM run_event WHERE protocol_run_id = $1 ORDER BY id", uuid.UUID(run_id)
        )
    return [row["id"] for row in rows]


@pytest.mark.slow(seconds=8)
async def test_a_client_of_a_second_api_instance_sees_a_run_executed_by_a_worker_live(
    live_server: LiveServer, live_client: httpx.AsyncClient, second_server: LiveServer, ticks: str
) -> None:
    run_id = await create_run(live_client, ticks, 3)
    token = bearer(await committed_token(live_server.database_url, ["read"]))
    async with httpx.AsyncClient(base_url=second_server.url, timeout=60, headers=token) as watcher:
        attached = asyncio.Event()
        watching = asyncio.create_task(read_events(watcher, f"{RUNS}/{run_id}/events", attached=attached))
        await asyncio.wait_for(attached.wait(), 30)  # the stream is live before anything happens
        with worker_process(live_server.database_url):
            assert (await live_client.post(f"{RUNS}/{run_id}/queue")).status_code == 200
            events, run_ended = await asyncio.wait_for(watching, 60)

    statuses = [e.data["status"] for e in events if e.kind == "status"]
    calls = [(e.kind, e.data["function_name"]) for e in events if e.kind.startswith("call_")]
    outputs = [(e.data["name"], e.data["numeric_value"]) for e in events if e.kind == "output"]
    assert run_ended  # and the server closed the stream after the status that ended the run
    assert statuses == ["pending", "queued", "running", "completed"]
    assert calls == [
        ("call_started", "ticks"),
        *[(kind, "tick") for _ in range(3) for kind in ("call_started", "call_ended")],
        ("call_ended", "ticks"),
    ]
    assert outputs == [("ticks", 3.0)]
    assert [e.id for e in events] == await stored_event_ids(live_server, run_id)
    assert all(e.data["run_id"] == run_id for e in events)


@pytest.mark.slow(seconds=15)
async def test_a_client_reconnecting_with_last_event_id_misses_no_event_of_a_1000_call_run(
    live_server: LiveServer, live_client: httpx.AsyncClient, ticks: str
) -> None:
    run_id = await create_run(live_client, ticks, 1000)
    url = f"{RUNS}/{run_id}/events"
    received: list[Event] = []
    connections = 0
    pick = random.Random(21)
    with worker_process(live_server.database_url):
        assert (await live_client.post(f"{RUNS}/{run_id}/queue")).status_code == 200
        ended = False
        while not ended:  # hang up after a few events each time, and resume where it stopped
            assert connections < 1000, "the stream never reached the run's end"
            connections += 1
            last = received[-1].id if received else None
            events, ended = await read_events(
                live_client, url, last_event_id=last, stop_after=pick.randint(1, 400)
            )
            received += events
        await wait_for_end(live_server.database_url, run_id)

    ids = [e.id for e in received]
    assert connections > 5
    assert ids == await stored_event_ids(live_server, run_id)  # every stored event, once, in order
    assert sum(e.kind == "call_started" for e in received) == 1001
    assert sum(e.kind == "call_ended" for e in received) == 1001
    assert received[-1].data["status"] == "completed"


async def test_every_run_status_change_reaches_the_stream_of_all_runs(
    live_server: LiveServer, live_client: httpx.AsyncClient, ticks: str
) -> None:
    first = await create_run(live_client, ticks, 1)
    attached = asyncio.Event()
    watching = asyncio.create_task(
        read_events(live_client, f"{RUNS}/events", stop_after=3, attached=attached)
    )
    await asyncio.wait_for(attached.wait(), 30)  # the stream listens: every change from now reaches it
    second = await create_run(live_client, ticks, 1)
    for run in (first, second):
        assert (
            await live_client.post(f"{RUNS}/{run}/cancel", json={"reason": "not today"})
        ).status_code == 200
    await live_client.post(f"{RUNS}/{first}/queue")  # refused (409): no event

    events, _ = await asyncio.wait_for(watching, 30)

    assert [(e.data["run_id"], e.data["status"]) for e in events] == [
        (second, "pending"),
        (first, "cancelled"),
        (second, "cancelled"),
    ]
    assert {e.kind for e in events} == {"status"}


@pytest.fixture
def small_buffer_server(committed_database: str) -> Iterator[LiveServer]:
    with running_server(committed_database, Settings(event_buffer=4)) as server:
        yield server


@pytest.mark.slow(seconds=12)
async def test_a_client_that_stalls_then_reads_on_gets_every_event_from_the_stored_rows(
    small_buffer_server: LiveServer, tmp_path: Path
) -> None:
    live_server = small_buffer_server
    definition = await discover_ticks(live_server, tmp_path)
    # a small receive window: the server's writes back up as soon as the client stops reading
    transport = httpx.AsyncHTTPTransport(socket_options=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)])
    token = bearer(await committed_token(live_server.database_url))
    async with httpx.AsyncClient(
        base_url=live_server.url, timeout=60, transport=transport, headers=token
    ) as http:
        run_id = await create_run(http, definition, 1000)
        received: list[Event] = []
        async with http.stream("GET", f"{RUNS}/{run_id}/events") as response:
            lines = response.aiter_lines()
            with worker_process(live_server.database_url):
                assert (await http.post(f"{RUNS}/{run_id}/queue")).status_code == 200
                await wait_for_end(live_server.database_url, run_id)  # meanwhile the client reads nothing
            async with asyncio.timeout(300):  # a hang guard: through a 4 KiB window this takes 15-20 s
                received = await parse(lines)

    assert [e.id for e in received] == await stored_event_ids(live_server, run_id)
    assert received[-1].data["status"] == "completed"


@pytest.fixture
def short_body_timeout_server(committed_database: str) -> Iterator[LiveServer]:
    with running_server(committed_database, Settings(body_timeout=0.5)) as server:
        yield server


async def test_a_stream_outlives_the_request_body_deadline(
    short_body_timeout_server: LiveServer, tmp_path: Path
) -> None:
    """The body deadline (PRAXIS_BODY_TIMEOUT) is the body's: a stream waits on the client for hours."""
    server = short_body_timeout_server
    definition = await discover_ticks(server, tmp_path)
    token = bearer(await committed_token(server.database_url))
    async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=token) as http:
        attached = asyncio.Event()
        watching = asyncio.create_task(read_events(http, f"{RUNS}/events", stop_after=1, attached=attached))
        await asyncio.wait_for(attached.wait(), 30)
        await asyncio.sleep(1.5)  # three times the body deadline, the stream idle
        run_id = await create_run(http, definition, 1)
        events, _ = await asyncio.wait_for(watching, 30)

    assert [(e.data["run_id"], e.data["status"]) for e in events] == [(run_id, "pending")]
