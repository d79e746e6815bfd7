"""``/api/v1/protocols/runs``: runs, their state machine, their function call logs, one-run workcells.

The state machine: PENDING -> RUNNING -> COMPLETED | FAILED, and PENDING | RUNNING -> CANCELLED.
Every other move is a 409 that leaves the run as it was.

The contract every collection shares (trailing slashes, paging, ordering by status, filters, renames
by PATCH and PUT, stale versions, unknown references, 404s, deletes) is checked for runs too, in
``test_collections_common.py``.
"""

from __future__ import annotations

import itertools
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
    "cancel": ({RunStatus.PENDING, RunStatus.RUNNING}, RunStatus.CANCELLED),
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

    assert await repos.protocol_run.calls_of(run.accession_id) == []
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
    stored = await repos.protocol_run.calls_of(run.accession_id)
    assert [(c.sequence, c.status) for c in stored] == [
        (1, CallStatus.RUNNING),
        (2, CallStatus.RUNNING),
        (3, CallStatus.FAILED),
    ]


async def test_calls_are_numbered_per_run(client: httpx.AsyncClient, repos: Builders) -> None:
    first, second = await repos.protocol_run.create_batch(2, status=RunStatus.RUNNING)

    for run in (first, second, first):
        await client.post(f"{URL}/{run.accession_id}/calls", json={"function_name": "mix"})

    assert [c.sequence for c in await repos.protocol_run.calls_of(first.accession_id)] == [1, 2]
    assert [c.sequence for c in await repos.protocol_run.calls_of(second.accession_id)] == [1]


@pytest.mark.parametrize("status", [s for s in RunStatus if s is not RunStatus.RUNNING])
async def test_a_call_on_a_run_that_is_not_running_is_409(
    client: httpx.AsyncClient, repos: Builders, status: RunStatus
) -> None:
    run = await repos.protocol_run.create(status=status)

    response = await client.post(f"{URL}/{run.accession_id}/calls", json={"function_name": "aspirate"})

    assert_error(response, 409, "conflict", entity="protocol_run", field="status")
    assert await repos.protocol_run.calls_of(run.accession_id) == []


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
    assert await repos.protocol_run.calls_of(run.accession_id) == []


async def test_a_call_that_ends_before_it_starts_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    """Well-formed (two date-times), but against a rule the OpenAPI document cannot state."""
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    body = {"function_name": "mix", "started_at": "2026-03-01T10:00:00Z", "ended_at": "2026-03-01T09:59:59Z"}

    assert_rule_violation(await client.post(f"{URL}/{run.accession_id}/calls", json=body), "ended_at")
    assert await repos.protocol_run.calls_of(run.accession_id) == []


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
