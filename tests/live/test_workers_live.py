"""Real ``praxis worker`` processes on a committed database: many workers share the queue and run each
run once; a worker killed mid-run leaves its run failed, never running; pause, resume and cancel reach
a running protocol; a protocol that ignores cancel is ended."""

from __future__ import annotations

import os
import signal
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from praxis.backend.services.discovery import DiscoveryService
from tests.builders import Builders
from tests.harness.execution import (
    wait_for_call,
    wait_for_end,
    wait_for_ends,
    wait_for_status,
    worker_process,
)
from tests.harness.live import LiveServer
from tests.harness.locks import server_turn
from tests.harness.server import TestServer

RUNS = "/api/v1/protocols/runs"

STEPS = """
import time
from praxis.backend.protocols import current_run, protocol, protocol_function

@protocol_function
def step(n: int) -> int:
    time.sleep(0.02)
    return n

@protocol
def steps(count: int = 5) -> int:
    for n in range(count):
        step(n)
    current_run().record_output("steps", count)
    return count

@protocol
def stubborn() -> None:
    time.sleep(3600)
"""

FAST = {"PRAXIS_JOB_HEARTBEAT_TIMEOUT": "2", "PRAXIS_CANCEL_GRACE": "1"}


@pytest.fixture
async def protocols(live_server: LiveServer, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "steps.py").write_text(textwrap.dedent(STEPS))

    async def discover(repos: Builders) -> dict[str, str]:
        found = await DiscoveryService(repos.repositories).discover_and_upsert_protocols(tmp_path)
        return {d.name: str(d.accession_id) for d in found.definitions}

    return await live_server.arrange(discover)


@pytest.fixture
def workers(live_server: LiveServer) -> Iterator[list[Any]]:
    """Two ``praxis worker`` processes on the live server's database."""
    with (
        worker_process(live_server.database_url, **FAST) as first,
        worker_process(live_server.database_url, **FAST) as second,
    ):
        yield [first, second]


async def queue(http: httpx.AsyncClient, definition: str, **parameters: Any) -> str:
    response = await http.post(
        RUNS, json={"protocol_definition_id": definition, "input_parameters": parameters, "queue": True}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["accession_id"])


@pytest.mark.slow(seconds=20)
async def test_two_workers_run_fifty_queued_runs_each_exactly_once(
    live_server: LiveServer,
    live_client: httpx.AsyncClient,
    protocols: dict[str, str],
    workers: list[Any],
    test_server: TestServer,
) -> None:
    # runs sharing the server take turns at their heaviest tests (this one, the load run)
    async with server_turn(test_server, "load"):
        run_ids = [await queue(live_client, protocols["steps"], count=3) for _ in range(50)]
        ended = await wait_for_ends(live_server.database_url, run_ids, within=600)

    assert {row["status"] for row in ended} == {"completed"}
    async with live_server.connection() as connection:
        roots = await connection.fetchval(
            "SELECT count(*) FROM function_call_log WHERE function_name = 'steps' AND sequence = 1"
        )
        outputs = await connection.fetch(
            "SELECT protocol_run_id FROM function_data_output WHERE name = 'steps'"
        )
    assert roots == 50  # each run executed once: one root call each, never two
    assert sorted(str(r["protocol_run_id"]) for r in outputs) == sorted(run_ids)
    assert all(w.poll() is None for w in workers)


@pytest.mark.slow(seconds=15)
async def test_a_worker_killed_mid_run_leaves_its_run_failed_as_worker_lost(
    live_server: LiveServer, live_client: httpx.AsyncClient, protocols: dict[str, str]
) -> None:
    with worker_process(live_server.database_url, **FAST) as doomed:
        run_id = await queue(live_client, protocols["stubborn"])
        await wait_for_call(live_server.database_url, run_id, "stubborn")
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait()
    with worker_process(live_server.database_url, **FAST):
        ended = await wait_for_end(live_server.database_url, run_id, within=60)

    assert ended["status"] == "failed"
    assert "worker lost" in ended["status_details"]
    assert not protocol_processes(live_server.database_url)  # its protocol's process ended with it


def protocol_processes(database_url: str) -> list[int]:
    """The protocol processes (the runner's command line) of workers on ``database_url`` (they inherit
    the worker's environment), still alive."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
                environment = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"praxis.backend.execution.runner" in command and (
                f"PRAXIS_DATABASE_URL={database_url}".encode() in environment
            ):
                found.append(int(entry.name))
    return found


@pytest.mark.slow(seconds=10)
async def test_a_running_protocol_pauses_resumes_and_is_cancelled_at_its_next_call(
    live_server: LiveServer, live_client: httpx.AsyncClient, protocols: dict[str, str], workers: list[Any]
) -> None:
    run_id = await queue(live_client, protocols["steps"], count=100_000)
    await wait_for_call(live_server.database_url, run_id, "step")

    asked = await live_client.post(f"{RUNS}/{run_id}/pause", json={"reason": "refill the trough"})
    paused = await wait_for_status(live_server.database_url, run_id, {"paused"})
    async with live_server.connection() as connection:
        steps_when_paused = int(
            await connection.fetchval(
                "SELECT count(*) FROM function_call_log WHERE protocol_run_id = $1 AND function_name = 'step'",
                uuid.UUID(run_id),
            )
            or 0
        )
    await live_client.post(f"{RUNS}/{run_id}/resume")
    await wait_for_status(live_server.database_url, run_id, {"running"})
    # it goes on after the resume (on a loaded machine a cancel sent at once may come first)
    await wait_for_call(live_server.database_url, run_id, "step", more_than=steps_when_paused)
    await live_client.post(f"{RUNS}/{run_id}/cancel", json={"reason": "wrong plate"})
    ended = await wait_for_end(live_server.database_url, run_id)
    response = await live_client.get(f"{RUNS}/{run_id}/calls")

    assert asked.json()["control_request"] == "pause"
    assert paused["control_request"] is None
    assert ended["status"] == "cancelled"
    assert ended["status_details"] == "cancelled at the protocol's next call"
    calls = response.json()
    assert len(calls) > steps_when_paused + 1  # the protocol's own call, and steps after the resume
    assert calls[0]["status"] == "cancelled"  # the protocol's own call ended with the run
    assert {c["status"] for c in calls[1:]} <= {"completed", "cancelled"}


@pytest.mark.slow(seconds=8)
async def test_a_protocol_that_ignores_cancel_is_ended_after_the_grace_period(
    live_server: LiveServer, live_client: httpx.AsyncClient, protocols: dict[str, str], workers: list[Any]
) -> None:
    run_id = await queue(live_client, protocols["stubborn"])
    await wait_for_call(live_server.database_url, run_id, "stubborn")

    await live_client.post(f"{RUNS}/{run_id}/cancel")
    ended = await wait_for_end(live_server.database_url, run_id)

    assert ended["status"] == "cancelled"
    assert "did not stop" in ended["status_details"]
