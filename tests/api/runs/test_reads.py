"""Reading, changing and deleting runs: get, list and its filters, versions, deletes that take
the run's calls and outputs along.

The contract every collection shares (trailing slashes, paging, ordering by status, filters, renames
by PATCH and PUT, stale versions, unknown references, 404s, deletes) is checked for runs too, in
``tests/api/common/``.
"""

from __future__ import annotations

import httpx

from praxis.backend.models.orm import RunStatus
from tests.api.helpers import (
    assert_error,
    names,
    total,
)
from tests.api.runs.common import URL, at
from tests.builders import Builders


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
