"""``/api/v1/protocols/runs``: runs, their state machine, their function call logs, one-run workcells.

The state machine: PENDING -> RUNNING -> COMPLETED | FAILED, and PENDING | RUNNING -> CANCELLED.
Every other move is a 409 that leaves the run as it was.

The contract every collection shares (trailing slashes, paging, ordering by status, filters, renames
by PATCH and PUT, stale versions, unknown references, 404s, deletes) is checked for runs too, in
``test_collections_common.py``.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

from praxis.backend.models.orm import CallStatus, RunStatus
from tests.api.helpers import (
    API,
    assert_error,
    assert_not_found,
    assert_rule_violation,
    assert_validation_error,
    missing_id,
    names,
    total,
)
from tests.builders import Builders

URL = f"{API}/protocols/runs"

#: action -> (statuses it applies to, status it leads to)
TRANSITIONS = {
    "start": ({RunStatus.PENDING}, RunStatus.RUNNING),
    "complete": ({RunStatus.RUNNING}, RunStatus.COMPLETED),
    "fail": ({RunStatus.RUNNING}, RunStatus.FAILED),
    # a run recorded by hand, or not yet started, is cancelled at once (a worker's running run is
    # cancelled through its worker: tests/api/test_run_control_api.py)
    "cancel": (
        {RunStatus.PENDING, RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED},
        RunStatus.CANCELLED,
    ),
}
REFUSED = [
    (status, action)
    for status, action in itertools.product(RunStatus, TRANSITIONS)
    if status not in TRANSITIONS[action][0]
]


def at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def create_run(client: httpx.AsyncClient, definition_id: Any, **fields: Any) -> dict[str, Any]:
    body = {"protocol_definition_id": str(definition_id), "input_parameters": {"volume_ul": 50}, **fields}
    response = await client.post(URL, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


# == create ==========================================================================================


async def test_create_gives_a_pending_run(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create()
    workcell = await repos.workcell.create()

    response = await client.post(
        URL,
        json={
            "protocol_definition_id": str(definition.accession_id),
            "workcell_id": str(workcell.accession_id),
            "name": "dilution for plate 7",
            "input_parameters": {"volume_ul": 25.0, "mix": True},
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["name"], body["version"]) == ("pending", "dilution for plate 7", 1)
    assert (body["protocol_definition_id"], body["workcell_id"]) == (
        str(definition.accession_id),
        str(workcell.accession_id),
    )
    assert body["input_parameters"] == {"volume_ul": 25.0, "mix": True}
    assert (body["output_data"], body["function_calls"], body["error_message"]) == ({}, [], None)
    assert (body["started_at"], body["completed_at"]) == (None, None)
    stored = await repos.protocol_run.get(body["accession_id"])
    assert (stored.status, stored.input_parameters) == (RunStatus.PENDING, {"volume_ul": 25.0, "mix": True})


async def test_create_names_the_run_after_its_protocol(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create()

    body = await create_run(client, definition.accession_id)

    assert body["name"] == definition.name
    assert body["workcell_id"] is None


async def test_runs_of_one_name_may_repeat(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create()

    await create_run(client, definition.accession_id, name="nightly")
    await create_run(client, definition.accession_id, name="nightly")

    assert await repos.protocol_run.count(name="nightly") == 2


async def test_create_without_a_required_parameter_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create()  # volume_ul required, mix optional, lh an asset

    response = await client.post(
        URL, json={"protocol_definition_id": str(definition.accession_id), "input_parameters": {"mix": True}}
    )

    body = assert_error(
        response, 409, "invalid_value", entity="protocol_run", field="input_parameters.volume_ul"
    )
    assert "volume_ul" in body["detail"]
    assert await repos.protocol_run.count() == 0


async def test_create_with_an_unknown_parameter_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create()

    response = await client.post(
        URL,
        json={
            "protocol_definition_id": str(definition.accession_id),
            "input_parameters": {"volume_ul": 10, "speed": "fast"},
        },
    )

    body = assert_error(response, 409, "invalid_value", entity="protocol_run", field="input_parameters.speed")
    assert "speed" in body["detail"]
    assert await repos.protocol_run.count() == 0


async def test_create_accepts_optional_and_asset_parameters_left_out(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    definition = await repos.protocol_definition.create()

    minimal = await create_run(client, definition.accession_id, input_parameters={"volume_ul": 5})
    with_asset = await create_run(
        client, definition.accession_id, input_parameters={"volume_ul": 5, "lh": "STAR"}
    )

    assert minimal["input_parameters"] == {"volume_ul": 5}
    assert with_asset["input_parameters"] == {"volume_ul": 5, "lh": "STAR"}


async def test_a_protocol_without_parameters_takes_none(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.protocol_definition.create(parameters=[], required_assets=[])

    assert (await create_run(client, definition.accession_id, input_parameters={}))["input_parameters"] == {}
    refused = await client.post(
        URL, json={"protocol_definition_id": str(definition.accession_id), "input_parameters": {"x": 1}}
    )
    assert_error(refused, 409, "invalid_value", field="input_parameters.x")


# == get / list ======================================================================================


async def test_get_returns_the_run(client: httpx.AsyncClient, repos: Builders) -> None:
    run = await repos.protocol_run.create(status=RunStatus.FAILED)

    response = await client.get(f"{URL}/{run.accession_id}")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["error_message"]) == ("failed", run.error_message)
    assert at(body["started_at"]) == run.started_at and at(body["completed_at"]) == run.completed_at


async def test_list_filters_by_status_definition_workcell_and_name(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    definition = await repos.protocol_definition.create()
    workcell = await repos.workcell.create()
    await repos.protocol_run.create(
        name="Nightly A", protocol_definition=definition, status=RunStatus.RUNNING
    )
    await repos.protocol_run.create(name="nightly B", protocol_definition=definition, workcell=workcell)
    await repos.protocol_run.create(name="adhoc", workcell=workcell, status=RunStatus.RUNNING)

    running = await client.get(URL, params={"status": "running", "order_by": "name"})
    of_definition = await client.get(URL, params={"protocol_definition_id": str(definition.accession_id)})
    in_workcell = await client.get(
        URL, params={"workcell_id": str(workcell.accession_id), "order_by": "-name"}
    )
    by_name = await client.get(URL, params={"name": "NIGHTLY", "status": "pending"})

    assert names(running) == ["Nightly A", "adhoc"]
    assert total(of_definition) == 2
    assert names(in_workcell) == ["nightly B", "adhoc"]
    assert names(by_name) == ["nightly B"]


async def test_list_by_started_at_puts_runs_never_started_last(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    await repos.protocol_run.create(name="done", status=RunStatus.COMPLETED)
    await repos.protocol_run.create(name="waiting", status=RunStatus.PENDING)
    await repos.protocol_run.create(name="going", status=RunStatus.RUNNING)

    started = await client.get(URL, params={"order_by": "started_at"})
    assert names(started)[-1] == "waiting"  # never started: NULLs sort last


async def test_list_returns_each_runs_calls(client: httpx.AsyncClient, repos: Builders) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    await repos.protocol_run.create()
    await client.post(f"{URL}/{run.accession_id}/calls", json={"function_name": "aspirate"})

    response = await client.get(URL, params={"order_by": "created_at"})

    assert [[c["function_name"] for c in r["function_calls"]] for r in response.json()] == [["aspirate"], []]


# == update / delete =================================================================================


async def test_a_transition_moves_the_version_so_an_update_sent_before_it_is_409(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run_id = (await repos.protocol_run.create(name="run")).accession_id
    assert (await client.post(f"{URL}/{run_id}/start")).status_code == 200  # version 2 now

    response = await client.patch(f"{URL}/{run_id}", json={"name": "renamed", "version": 1})

    assert_error(response, 409, "conflict", entity="protocol_run", field="version")
    stored = await repos.protocol_run.get(run_id)
    assert (stored.name, stored.version) == ("run", 2)


async def test_delete_takes_the_calls_and_outputs_along(client: httpx.AsyncClient, repos: Builders) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    await client.post(f"{URL}/{run.accession_id}/calls", json={"function_name": "aspirate"})
    await repos.data_output.create_batch(3, protocol_run=run)

    assert (await client.delete(f"{URL}/{run.accession_id}")).status_code == 204

    assert await repos.protocol_run.repository.calls_of(run.accession_id) == []
    assert await repos.data_output.count(protocol_run_id=run.accession_id) == 0


# == the state machine ===============================================================================


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


@pytest.mark.parametrize("action", list(TRANSITIONS))
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


# == function call logs ==============================================================================


async def test_calls_on_a_running_run_are_numbered_in_order(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    url = f"{URL}/{run.accession_id}/calls"

    responses = [
        await client.post(url, json={"function_name": "pick_up_tips", "arguments": {"rack": "tips-1"}}),
        await client.post(url, json={"function_name": "aspirate", "arguments": {"vol": 50}}),
        await client.post(
            url,
            json={"function_name": "dispense", "status": "failed", "error_message": "clot detected"},
        ),
    ]

    assert [r.status_code for r in responses] == [201, 201, 201]
    first = responses[0].json()
    assert (first["sequence"], first["protocol_run_id"], first["status"], first["arguments"]) == (
        1,
        str(run.accession_id),
        "running",
        {"rack": "tips-1"},
    )
    assert [r.json()["sequence"] for r in responses] == [1, 2, 3]
    assert responses[2].json()["error_message"] == "clot detected"

    listed = await client.get(url)
    assert [(c["sequence"], c["function_name"]) for c in listed.json()] == [
        (1, "pick_up_tips"),
        (2, "aspirate"),
        (3, "dispense"),
    ]
    fetched = await client.get(f"{URL}/{run.accession_id}")
    assert [c["sequence"] for c in fetched.json()["function_calls"]] == [1, 2, 3]
    stored = await repos.protocol_run.repository.calls_of(run.accession_id)
    assert [(c.sequence, c.status) for c in stored] == [
        (1, CallStatus.RUNNING),
        (2, CallStatus.RUNNING),
        (3, CallStatus.FAILED),
    ]


async def test_calls_are_numbered_per_run(client: httpx.AsyncClient, repos: Builders) -> None:
    first, second = await repos.protocol_run.create_batch(2, status=RunStatus.RUNNING)

    for run in (first, second, first):
        await client.post(f"{URL}/{run.accession_id}/calls", json={"function_name": "mix"})

    assert [c.sequence for c in await repos.protocol_run.repository.calls_of(first.accession_id)] == [1, 2]
    assert [c.sequence for c in await repos.protocol_run.repository.calls_of(second.accession_id)] == [1]


@pytest.mark.parametrize("status", [s for s in RunStatus if s is not RunStatus.RUNNING])
async def test_a_call_on_a_run_that_is_not_running_is_409(
    client: httpx.AsyncClient, repos: Builders, status: RunStatus
) -> None:
    run = await repos.protocol_run.create(status=status)

    response = await client.post(f"{URL}/{run.accession_id}/calls", json={"function_name": "aspirate"})

    assert_error(response, 409, "conflict", entity="protocol_run", field="status")
    assert await repos.protocol_run.repository.calls_of(run.accession_id) == []


async def test_the_calls_of_an_unknown_run_are_404(client: httpx.AsyncClient) -> None:
    assert_not_found(await client.get(f"{URL}/{missing_id()}/calls"), entity="protocol_run")
    assert_not_found(
        await client.post(f"{URL}/{missing_id()}/calls", json={"function_name": "aspirate"}),
        entity="protocol_run",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "function_name"),
        ({"function_name": "x" * 256}, "function_name"),
        ({"function_name": "mix", "status": "paused"}, "status"),
        ({"function_name": "mix", "arguments": [1]}, "arguments"),
        ({"function_name": "mix", "sequence": 7}, "sequence"),
    ],
    ids=["missing-name", "name-over-255", "unknown-status", "arguments-not-object", "sequence-is-assigned"],
)
async def test_a_call_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)

    assert_validation_error(await client.post(f"{URL}/{run.accession_id}/calls", json=body), field)
    assert await repos.protocol_run.repository.calls_of(run.accession_id) == []


async def test_a_call_that_ends_before_it_starts_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    """Well-formed (two date-times), but against a rule the OpenAPI document cannot state."""
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    body = {"function_name": "mix", "started_at": "2026-03-01T10:00:00Z", "ended_at": "2026-03-01T09:59:59Z"}

    assert_rule_violation(await client.post(f"{URL}/{run.accession_id}/calls", json=body), "ended_at")
    assert await repos.protocol_run.repository.calls_of(run.accession_id) == []


# == one run at a time on a workcell =================================================================


async def test_a_one_run_workcell_refuses_a_second_start(client: httpx.AsyncClient, repos: Builders) -> None:
    workcell = await repos.workcell.create(allows_concurrent_runs=False)
    await repos.protocol_run.create(workcell=workcell, status=RunStatus.RUNNING)
    waiting = await repos.protocol_run.create(workcell=workcell)

    response = await client.post(f"{URL}/{waiting.accession_id}/start")

    assert_error(response, 409, "conflict", entity="workcell")
    stored = await repos.protocol_run.get(waiting.accession_id)
    assert (stored.status, stored.started_at, stored.version) == (RunStatus.PENDING, None, 1)


async def test_a_one_run_workcell_starts_the_next_run_once_the_first_ends(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    workcell = await repos.workcell.create(allows_concurrent_runs=False)
    first, second = await repos.protocol_run.create_batch(2, workcell=workcell)

    assert (await client.post(f"{URL}/{first.accession_id}/start")).status_code == 200
    assert (await client.post(f"{URL}/{second.accession_id}/start")).status_code == 409
    assert (await client.post(f"{URL}/{first.accession_id}/complete")).status_code == 200
    assert (await client.post(f"{URL}/{second.accession_id}/start")).status_code == 200

    assert (await repos.protocol_run.get(second.accession_id)).status is RunStatus.RUNNING


async def test_a_concurrent_workcell_runs_several_at_once(client: httpx.AsyncClient, repos: Builders) -> None:
    workcell = await repos.workcell.create(allows_concurrent_runs=True)
    runs = await repos.protocol_run.create_batch(3, workcell=workcell)

    responses = [await client.post(f"{URL}/{run.accession_id}/start") for run in runs]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert await repos.protocol_run.count(workcell_id=workcell.accession_id, status=RunStatus.RUNNING) == 3


async def test_runs_on_other_workcells_or_none_do_not_block(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    busy = await repos.workcell.create(allows_concurrent_runs=False)
    await repos.protocol_run.create(workcell=busy, status=RunStatus.RUNNING)
    elsewhere = await repos.protocol_run.create(workcell__allows_concurrent_runs=False)
    nowhere = await repos.protocol_run.create()

    assert (await client.post(f"{URL}/{elsewhere.accession_id}/start")).status_code == 200
    assert (await client.post(f"{URL}/{nowhere.accession_id}/start")).status_code == 200


# == function calls that end, and nest ===============================================================


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


# == runs' timing, state and continuations ===========================================================


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
