"""What a run records: its timing, its initial and final states, continuations, its data directory."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from praxis.backend.models.orm import RunStatus
from tests.api.helpers import (
    assert_error,
    assert_validation_error,
    missing_id,
)
from tests.api.runs.common import URL, at, create_run
from tests.builders import Builders


async def test_a_finished_run_has_its_duration_and_states(client: httpx.AsyncClient, repos: Builders) -> None:
    workcell = await repos.workcell.create(latest_state={"door": "closed", "temperature_c": 21.5})
    run = await create_run(
        client,
        (await repos.protocol_definition.create(parameters=[{"name": "volume_ul"}])).accession_id,
        workcell_id=str(workcell.accession_id),
        data_directory_path="/data/runs/plate-7",
    )
    url = f"{URL}/{run['accession_id']}"

    started = (await client.post(f"{url}/start")).json()
    completed = (await client.post(f"{url}/complete", json={"final_state_json": {"door": "open"}})).json()

    assert started["initial_state_json"] == {"door": "closed", "temperature_c": 21.5}
    assert started["duration_ms"] is None and started["final_state_json"] is None
    assert completed["final_state_json"] == {"door": "open"}
    assert completed["data_directory_path"] == "/data/runs/plate-7"
    elapsed = at(completed["completed_at"]) - at(completed["started_at"])  # type: ignore[operator]
    assert completed["duration_ms"] == pytest.approx(elapsed.total_seconds() * 1000)
    assert (await repos.workcell.get(workcell.accession_id)).latest_state["door"] == "closed"


@pytest.mark.parametrize("action", ["fail", "cancel"])
async def test_a_run_failed_or_cancelled_while_running_has_its_duration_and_final_state(
    client: httpx.AsyncClient, repos: Builders, action: str
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)

    response = await client.post(
        f"{URL}/{run.accession_id}/{action}", json={"final_state_json": {"plate": "on deck"}}
    )

    body = response.json()
    assert body["final_state_json"] == {"plate": "on deck"}
    assert body["duration_ms"] >= 5 * 60 * 1000  # the builder started it five minutes ago


async def test_a_run_cancelled_before_it_started_has_no_duration(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create()

    body = (await client.post(f"{URL}/{run.accession_id}/cancel")).json()

    assert (body["status"], body["duration_ms"]) == ("cancelled", None)


async def test_start_takes_the_initial_state_given(client: httpx.AsyncClient, repos: Builders) -> None:
    run = await repos.protocol_run.create(workcell__latest_state={"door": "open"})

    body = (
        await client.post(f"{URL}/{run.accession_id}/start", json={"initial_state_json": {"lid": "off"}})
    ).json()

    assert body["initial_state_json"] == {"lid": "off"}


async def test_a_continuation_resumes_a_stopped_run_of_its_protocol(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    failed = await repos.protocol_run.create(status=RunStatus.FAILED)

    resumed = await create_run(
        client, failed.protocol_definition_id, previous_accession_id=str(failed.accession_id)
    )
    listed = await client.get(URL, params={"previous_accession_id": str(failed.accession_id)})

    assert resumed["previous_accession_id"] == str(failed.accession_id)
    assert [r["accession_id"] for r in listed.json()] == [resumed["accession_id"]]


async def test_a_continuation_refuses_what_it_cannot_resume(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    running = await repos.protocol_run.create(status=RunStatus.RUNNING)
    other_protocol = await repos.protocol_run.create(status=RunStatus.FAILED)

    def body(previous: Any) -> dict[str, Any]:
        return {
            "protocol_definition_id": str(running.protocol_definition_id),
            "input_parameters": {"volume_ul": 1},
            "previous_accession_id": str(previous),
        }

    assert_error(
        await client.post(URL, json=body(running.accession_id)),
        409,
        "conflict",
        field="previous_accession_id",
    )
    assert_error(
        await client.post(URL, json=body(other_protocol.accession_id)),
        409,
        "invalid_value",
        field="previous_accession_id",
    )
    assert_error(
        await client.post(URL, json=body(missing_id())),
        409,
        "invalid_reference",
        field="previous_accession_id",
    )
    assert await repos.protocol_run.count() == 2


async def test_the_data_directory_can_be_changed_and_cleared(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create(data_directory_path="/data/a")

    changed = await client.patch(f"{URL}/{run.accession_id}", json={"data_directory_path": "/data/b"})
    cleared = await client.patch(f"{URL}/{run.accession_id}", json={"data_directory_path": None})

    assert changed.json()["data_directory_path"] == "/data/b"
    assert cleared.json()["data_directory_path"] is None
    assert_validation_error(
        await client.patch(f"{URL}/{run.accession_id}", json={"final_state_json": {}}), "final_state_json"
    )
