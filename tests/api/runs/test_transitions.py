"""The state machine of a run recorded by hand: PENDING -> RUNNING -> COMPLETED | FAILED, and
CANCELLED where the lifecycle allows it (``common.APPLIES_TO``). Every other move is a 409 that
leaves the run as it was.
"""

from __future__ import annotations

import httpx
import pytest

from praxis.backend.models.orm import RunStatus
from tests.api.helpers import (
    assert_error,
    assert_not_found,
    assert_validation_error,
    missing_id,
)
from tests.api.runs.common import APPLIES_TO, REFUSED, URL, at, create_run
from tests.builders import Builders


async def test_a_run_goes_pending_running_completed(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create()
    run = await create_run(client, definition.accession_id)

    started = await client.post(f"{URL}/{run['accession_id']}/start")
    completed = await client.post(
        f"{URL}/{run['accession_id']}/complete", json={"output_data": {"plates": 2}, "version": 2}
    )

    assert started.status_code == 200
    assert (started.json()["status"], started.json()["completed_at"], started.json()["version"]) == (
        "running",
        None,
        2,
    )
    assert completed.status_code == 200
    body = completed.json()
    assert (body["status"], body["output_data"], body["error_message"], body["version"]) == (
        "completed",
        {"plates": 2},
        None,
        3,
    )
    started_at, completed_at = at(body["started_at"]), at(body["completed_at"])
    assert started_at is not None and completed_at is not None
    assert started_at == at(started.json()["started_at"]) and started_at <= completed_at
    stored = await repos.protocol_run.get(run["accession_id"])
    assert (stored.status, stored.started_at, stored.completed_at, stored.output_data) == (
        RunStatus.COMPLETED,
        started_at,
        completed_at,
        {"plates": 2},
    )


async def test_a_run_fails_with_its_message(client: httpx.AsyncClient, repos: Builders) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)

    response = await client.post(
        f"{URL}/{run.accession_id}/fail", json={"error_message": "tip pickup failed"}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["error_message"]) == ("failed", "tip pickup failed")
    assert at(body["completed_at"]) is not None and at(body["completed_at"]) >= at(body["started_at"])  # type: ignore[operator]
    stored = await repos.protocol_run.get(run.accession_id)
    assert (stored.status, stored.error_message) == (RunStatus.FAILED, "tip pickup failed")


async def test_a_run_failed_without_a_message_says_so(client: httpx.AsyncClient, repos: Builders) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)

    response = await client.post(f"{URL}/{run.accession_id}/fail")

    assert response.status_code == 200
    assert response.json()["error_message"]


@pytest.mark.parametrize("status", [RunStatus.PENDING, RunStatus.RUNNING])
async def test_a_pending_or_running_run_can_be_cancelled(
    client: httpx.AsyncClient, repos: Builders, status: RunStatus
) -> None:
    run = await repos.protocol_run.create(status=status)

    response = await client.post(f"{URL}/{run.accession_id}/cancel")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert at(body["completed_at"]) is not None
    assert (body["started_at"] is None) is (status is RunStatus.PENDING)
    assert (await repos.protocol_run.get(run.accession_id)).status is RunStatus.CANCELLED


@pytest.mark.parametrize(("status", "action"), REFUSED, ids=[f"{s.value}-{a}" for s, a in REFUSED])
async def test_every_other_transition_is_409_and_keeps_the_status(
    client: httpx.AsyncClient, repos: Builders, status: RunStatus, action: str
) -> None:
    run = await repos.protocol_run.create(status=status)
    run_id, started_at, completed_at = run.accession_id, run.started_at, run.completed_at

    response = await client.post(f"{URL}/{run_id}/{action}")

    body = assert_error(response, 409, "conflict", entity="protocol_run", field="status")
    assert status.value in body["detail"]
    stored = await repos.protocol_run.get(run_id)
    assert (stored.status, stored.started_at, stored.completed_at, stored.version) == (
        status,
        started_at,
        completed_at,
        1,
    )


@pytest.mark.parametrize("action", list(APPLIES_TO))
async def test_a_transition_of_an_unknown_run_is_404(client: httpx.AsyncClient, action: str) -> None:
    assert_not_found(await client.post(f"{URL}/{missing_id()}/{action}"), entity="protocol_run")


async def test_a_transition_with_a_stale_version_is_409_and_changes_nothing(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run_id = (await repos.protocol_run.create()).accession_id
    assert (await client.patch(f"{URL}/{run_id}", json={"name": "renamed"})).status_code == 200  # version 2

    response = await client.post(f"{URL}/{run_id}/start", json={"version": 1})

    assert_error(response, 409, "conflict", entity="protocol_run", field="version")
    stored = await repos.protocol_run.get(run_id)
    assert (stored.status, stored.started_at, stored.version) == (RunStatus.PENDING, None, 2)


async def test_a_transition_refuses_an_unknown_field(client: httpx.AsyncClient, repos: Builders) -> None:
    run = await repos.protocol_run.create()

    assert_validation_error(
        await client.post(f"{URL}/{run.accession_id}/start", json={"force": True}), "force"
    )
    assert (await repos.protocol_run.get(run.accession_id)).status is RunStatus.PENDING


async def test_a_transition_body_may_be_left_out_but_is_an_object_when_sent(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    """The document says the body is an optional ``RunTransition``: none is an empty one, ``null`` is
    not one (a generated client never sends it; the fuzzers send it as a violation)."""
    run = await repos.protocol_run.create()
    url = f"{URL}/{run.accession_id}/start"

    refused = await client.post(url, content=b"null", headers={"content-type": "application/json"})
    assert_error(refused, 422, "validation_error")
    assert (await repos.protocol_run.get(run.accession_id)).status is RunStatus.PENDING
    started = await client.post(url)
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "running"
