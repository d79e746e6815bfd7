"""Queue, pause, resume and cancel over HTTP: what each does to a run in each status (the rules are
``execution.lifecycle``'s, tested alone in tests/execution/test_lifecycle.py; these show the wiring)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from praxis.backend.models.orm import RunStatus
from praxis.backend.repositories import Repositories
from tests.api.helpers import API, assert_error
from tests.builders import Builders
from tests.harness.execution import Lab

URL = f"{API}/protocols/runs"


async def test_queueing_a_run_queues_its_job_in_the_same_transaction(
    client: httpx.AsyncClient, repos: Builders, repositories: Repositories, simulation_lab: Lab
) -> None:
    run = await repos.protocol_run.create(
        protocol_definition=simulation_lab.read, workcell=simulation_lab.workcell, input_parameters={}
    )

    response = await client.post(f"{URL}/{run.accession_id}/queue", json={"reason": "plate ready"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["status_details"]) == ("queued", "queued: plate ready")
    assert body["queued_at"] is not None
    assert await repositories.run_queue.take() == run.accession_id


async def test_a_run_created_with_queue_true_is_queued(
    client: httpx.AsyncClient, repositories: Repositories, simulation_lab: Lab
) -> None:
    response = await client.post(
        URL,
        json={
            "protocol_definition_id": str(simulation_lab.read.accession_id),
            "workcell_id": str(simulation_lab.workcell.accession_id),
            "queue": True,
        },
    )

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "queued"
    assert str(await repositories.run_queue.take()) == response.json()["accession_id"]


async def test_a_run_whose_assets_do_not_exist_is_refused_when_queued_naming_the_parameter(
    client: httpx.AsyncClient, repos: Builders, repositories: Repositories, simulation_lab: Lab
) -> None:
    empty_cell = await repos.workcell.create()
    run = await repos.protocol_run.create(
        protocol_definition=simulation_lab.read, workcell=empty_cell, input_parameters={}
    )

    response = await client.post(f"{URL}/{run.accession_id}/queue")

    body = assert_error(
        response, 409, "invalid_value", entity="protocol_run", field="input_parameters.reader"
    )
    assert "reader" in body["detail"]
    assert (await repos.protocol_run.get(run.accession_id)).status is RunStatus.PENDING
    assert await repositories.run_queue.take() is None


async def test_a_queued_run_pauses_and_resumes_to_the_queue(
    client: httpx.AsyncClient, repos: Builders, repositories: Repositories, simulation_lab: Lab
) -> None:
    run = await repos.protocol_run.create(
        protocol_definition=simulation_lab.read, workcell=simulation_lab.workcell, input_parameters={}
    )
    await client.post(f"{URL}/{run.accession_id}/queue")
    await repositories.run_queue.take()

    paused = await client.post(f"{URL}/{run.accession_id}/pause", json={"reason": "reader door open"})
    resumed = await client.post(f"{URL}/{run.accession_id}/resume")

    assert (paused.json()["status"], paused.json()["status_details"]) == (
        "paused",
        "paused before it started: reader door open",
    )
    assert resumed.json()["status"] == "queued"
    assert await repositories.run_queue.take() == run.accession_id


async def test_pausing_a_run_its_worker_executes_is_a_request_to_its_worker(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING, queued_at=datetime.now(UTC))

    response = await client.post(f"{URL}/{run.accession_id}/pause")

    body = response.json()
    assert (body["status"], body["control_request"]) == ("running", "pause")
    assert "next call" in body["status_details"]


async def test_cancelling_a_finished_run_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    run = await repos.protocol_run.create(status=RunStatus.COMPLETED)

    response = await client.post(f"{URL}/{run.accession_id}/cancel")

    assert_error(response, 409, "conflict", entity="protocol_run", field="status")


async def test_every_transition_of_a_run_recorded_by_hand_says_why(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    started = await repos.protocol_run.create()
    failed = await repos.protocol_run.create(status=RunStatus.RUNNING)

    running = await client.post(f"{URL}/{started.accession_id}/start")
    completed = await client.post(f"{URL}/{started.accession_id}/complete")
    failing = await client.post(f"{URL}/{failed.accession_id}/fail", json={"error_message": "door open"})

    assert running.json()["status_details"] == "running (recorded by its client)"
    assert completed.json()["status_details"] == "completed (recorded by its client)"
    assert failing.json()["status_details"] == "failed (recorded by its client): door open"
