"""One run at a time on a workcell that allows no concurrent runs; others do not block."""

from __future__ import annotations

import httpx

from praxis.backend.models.orm import RunStatus
from tests.api.helpers import (
    assert_error,
)
from tests.api.runs.common import URL
from tests.builders import Builders


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
