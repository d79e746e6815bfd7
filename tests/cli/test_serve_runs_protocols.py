"""The README's first command runs protocols: ``praxis serve`` runs a worker beside the API, and ends
it when it ends."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.cli.test_cli import praxis
from tests.harness.execution import wait_for_end
from tests.harness.serving import start_serving

API = "/api/v1"


def worker_processes(database_url: str) -> list[int]:
    """``praxis worker`` processes on ``database_url`` (they inherit its URL), still alive."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
                environment = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"worker" in command and f"PRAXIS_DATABASE_URL={database_url}".encode() in environment:
                found.append(int(entry.name))
    return found


@pytest.mark.slow(seconds=8)
async def test_serve_runs_a_queued_demo_protocol_to_completion(committed_database: str) -> None:
    assert praxis(committed_database, "db", "seed-demo").returncode == 0
    server = await asyncio.to_thread(start_serving, env={"PRAXIS_DATABASE_URL": committed_database})
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            [definition] = (
                await http.get(f"{API}/protocols/definitions", params={"name": "absorbance_read"})
            ).json()
            [workcell] = (await http.get(f"{API}/workcells")).json()
            created = await http.post(
                f"{API}/protocols/runs",
                json={
                    "protocol_definition_id": definition["accession_id"],
                    "workcell_id": workcell["accession_id"],
                    "queue": True,
                },
            )
            run_id = created.json()["accession_id"]
            ended = await wait_for_end(committed_database, run_id)
            run = (await http.get(f"{API}/protocols/runs/{run_id}")).json()
            tree = (await http.get(f"{API}/protocols/runs/{run_id}/calls/tree")).json()
            plate = await http.get(
                f"{API}/protocols/runs/{run_id}/outputs/plate", params={"name": "absorbance_600nm"}
            )
        workers_while_serving = worker_processes(committed_database)
    finally:
        await asyncio.to_thread(server.stop)

    assert created.status_code == 201 and created.json()["status"] == "queued"
    assert ended["status"] == "completed", ended["status_details"]
    assert run["initial_state_json"] and run["final_state_json"]
    assert [(n["function_name"], [c["function_name"] for c in n["children"]]) for n in tree] == [
        ("absorbance_read", ["read_absorbance"])
    ]
    assert plate.status_code == 200 and len(plate.json()["wells"]) == 96
    assert len(workers_while_serving) == 1
    assert worker_processes(committed_database) == []  # the worker ended with the server
