"""Function calls that end (completed with a value, failed with an error, once) and nest."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

from praxis.backend.models.orm import CallStatus, RunStatus
from tests.api.helpers import (
    assert_error,
    assert_not_found,
    assert_validation_error,
    missing_id,
)
from tests.api.runs.common import URL, at
from tests.builders import Builders


async def test_a_call_ends_completed_with_its_return_value_and_duration(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    logged = await client.post(
        f"{URL}/{run.accession_id}/calls",
        json={"function_name": "read_absorbance", "started_at": "2026-03-01T10:00:00Z"},
    )
    call_id = logged.json()["accession_id"]

    response = await client.post(
        f"{URL}/{run.accession_id}/calls/{call_id}/end",
        json={"return_value": [0.41, 0.43], "ended_at": "2026-03-01T10:00:02.5Z"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["return_value"], body["duration_ms"]) == ("completed", [0.41, 0.43], 2500.0)
    assert at(body["ended_at"]) == datetime.fromisoformat("2026-03-01T10:00:02.5+00:00")
    stored = await repos.function_call_log.get(uuid.UUID(call_id))
    assert (stored.status, stored.return_value, stored.duration_ms) == (
        CallStatus.COMPLETED,
        [0.41, 0.43],
        2500.0,
    )


async def test_a_call_ends_failed_with_its_error_and_traceback(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    call = await repos.function_call_log.create(protocol_run__status=RunStatus.RUNNING)

    response = await client.post(
        f"{URL}/{call.protocol_run_id}/calls/{call.accession_id}/end",
        json={
            "status": "failed",
            "error_message": "clot detected",
            "error_traceback": "Traceback ...\nClotError",
        },
    )

    body = response.json()
    assert (body["status"], body["error_message"], body["error_traceback"]) == (
        "failed",
        "clot detected",
        "Traceback ...\nClotError",
    )
    assert body["duration_ms"] is not None and body["duration_ms"] >= 0
    assert at(body["ended_at"]) is not None


async def test_a_call_logged_without_a_start_time_starts_now(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)

    logged = (await client.post(f"{URL}/{run.accession_id}/calls", json={"function_name": "mix"})).json()
    ended = (await client.post(f"{URL}/{run.accession_id}/calls/{logged['accession_id']}/end")).json()

    assert logged["started_at"] is not None and logged["duration_ms"] is None
    assert ended["status"] == "completed" and ended["duration_ms"] >= 0


async def test_a_call_ends_once(client: httpx.AsyncClient, repos: Builders) -> None:
    call = await repos.function_call_log.create(status=CallStatus.COMPLETED, return_value=1)

    response = await client.post(f"{URL}/{call.protocol_run_id}/calls/{call.accession_id}/end", json={})

    assert_error(response, 409, "conflict", entity="function_call_log", field="status")
    assert (await repos.function_call_log.get(call.accession_id)).return_value == 1


async def test_calls_still_open_when_a_run_failed_can_be_ended(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.FAILED)
    call = await repos.function_call_log.create(protocol_run=run)

    response = await client.post(
        f"{URL}/{run.accession_id}/calls/{call.accession_id}/end", json={"status": "failed"}
    )

    assert response.json()["status"] == "failed"
    assert response.json()["error_message"] == "failed without a message"


async def test_ending_a_call_of_another_run_or_of_no_run_is_404(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    call = await repos.function_call_log.create()
    other = await repos.protocol_run.create(status=RunStatus.RUNNING)

    assert_not_found(
        await client.post(f"{URL}/{other.accession_id}/calls/{call.accession_id}/end"),
        entity="function_call_log",
    )
    assert_not_found(
        await client.post(f"{URL}/{call.protocol_run_id}/calls/{missing_id()}/end"),
        entity="function_call_log",
    )
    assert (await repos.function_call_log.get(call.accession_id)).status is CallStatus.RUNNING


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "running"}, "status"),
        ({"status": "succeeded"}, "status"),
        ({"error_traceback": "x" * 10_001}, "error_traceback"),
        ({"sequence": 3}, "sequence"),
        ({"ended_at": "yesterday"}, "ended_at"),
    ],
    ids=["still-running", "unknown-status", "traceback-too-long", "unknown-field", "bad-time"],
)
async def test_ending_a_call_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    call = await repos.function_call_log.create()

    response = await client.post(f"{URL}/{call.protocol_run_id}/calls/{call.accession_id}/end", json=body)

    assert_validation_error(response, field)


async def test_a_call_cannot_end_before_it_started(client: httpx.AsyncClient, repos: Builders) -> None:
    call = await repos.function_call_log.create(
        started_at=datetime.fromisoformat("2026-03-01T10:00:00+00:00")
    )

    response = await client.post(
        f"{URL}/{call.protocol_run_id}/calls/{call.accession_id}/end",
        json={"ended_at": "2026-03-01T09:00:00Z"},
    )

    assert_error(response, 409, "invalid_value", entity="function_call_log", field="ended_at")


async def test_nested_calls_are_listed_in_order_and_as_a_tree(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    url = f"{URL}/{run.accession_id}/calls"

    async def log(name: str, parent: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {"function_name": name}
        if parent is not None:
            body["parent_function_call_log_id"] = parent["accession_id"]
        response = await client.post(url, json=body)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    transfer = await log("transfer")
    aspirate = await log("aspirate", transfer)
    await log("dispense", transfer)
    await log("move_plate")
    await log("touch_off", aspirate)

    flat = (await client.get(url)).json()
    tree = (await client.get(f"{url}/tree")).json()

    assert [(c["function_name"], c["parent_function_call_log_id"]) for c in flat] == [
        ("transfer", None),
        ("aspirate", transfer["accession_id"]),
        ("dispense", transfer["accession_id"]),
        ("move_plate", None),
        ("touch_off", aspirate["accession_id"]),
    ]

    def shape(nodes: list[dict[str, Any]]) -> list[Any]:
        return [(n["function_name"], shape(n["children"])) for n in nodes]

    assert shape(tree) == [
        ("transfer", [("aspirate", [("touch_off", [])]), ("dispense", [])]),
        ("move_plate", []),
    ]


async def test_a_nested_call_names_a_call_of_its_own_run(client: httpx.AsyncClient, repos: Builders) -> None:
    elsewhere = await repos.function_call_log.create()
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)

    for parent in (elsewhere.accession_id, missing_id()):
        response = await client.post(
            f"{URL}/{run.accession_id}/calls",
            json={"function_name": "aspirate", "parent_function_call_log_id": str(parent)},
        )
        assert_error(response, 409, "invalid_reference", field="parent_function_call_log_id")
    assert await repos.protocol_run.repository.calls_of(run.accession_id) == []
    assert_not_found(await client.get(f"{URL}/{missing_id()}/calls/tree"), entity="protocol_run")
