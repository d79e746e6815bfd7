"""Concurrent writers on real, separate connections to a committed database.

Aggregates people edit carry a version: an update based on a stale one gets 409 and changes nothing.
A workcell that allows one run at a time lets exactly one of two simultaneous starts through.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from praxis.backend.db.session import create_engine, create_sessionmaker
from praxis.backend.errors import ConflictError
from praxis.backend.models.orm import RunStatus
from praxis.backend.repositories import Repositories
from praxis.backend.services.protocol import ProtocolRunService
from praxis.backend.services.unit_of_work import UnitOfWork
from praxis.backend.services.workcell import WorkcellService
from tests.builders import Builders

T = TypeVar("T")


@pytest.fixture
async def engine(committed_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(committed_database, pool_size=12, max_overflow=0)
    yield engine
    await engine.dispose()


@pytest.fixture
def unit_of_work(engine: AsyncEngine) -> Callable[[Callable[[Builders], Awaitable[T]]], Awaitable[T]]:
    """Run a function in a unit of work of its own (production's), on a connection of its own,
    committed at the end; it gets builders, whose ``repositories`` a service takes."""
    sessions = create_sessionmaker(engine)

    async def run(work: Callable[[Builders], Awaitable[T]]) -> T:
        async with UnitOfWork(sessions) as uow:
            result = await work(Builders(uow.session, uow.repos))
            await uow.commit()
            return result

    return run


async def outcome(work: Awaitable[Any]) -> str:
    try:
        await work
    except ConflictError:
        return "conflict"
    return "ok"


@pytest.mark.parametrize("attempt", range(3))
async def test_two_simultaneous_starts_on_a_one_run_workcell_let_exactly_one_through(
    unit_of_work: Any, attempt: int
) -> None:
    async def arrange(repos: Builders) -> list[uuid.UUID]:
        bay = await repos.workcell.create(allows_concurrent_runs=False)
        definition = await repos.protocol_definition.create()
        runs = await repos.protocol_run.create_batch(2, workcell=bay, protocol_definition=definition)
        return [run.accession_id for run in runs]

    run_ids = await unit_of_work(arrange)

    def start(run_id: uuid.UUID) -> Awaitable[Any]:
        return unit_of_work(lambda built: ProtocolRunService(built.repositories).transition(run_id, "start"))

    results = await asyncio.gather(*(outcome(start(run_id)) for run_id in run_ids))

    assert sorted(results) == ["conflict", "ok"]
    statuses = await unit_of_work(lambda repos: repos.protocol_run.list({"accession_id__in": run_ids}))
    assert sorted(run.status for run in statuses) == sorted([RunStatus.PENDING, RunStatus.RUNNING])


async def test_a_workcell_that_allows_concurrent_runs_starts_both(unit_of_work: Any) -> None:
    async def arrange(repos: Builders) -> list[uuid.UUID]:
        bay = await repos.workcell.create(allows_concurrent_runs=True)
        return [run.accession_id for run in await repos.protocol_run.create_batch(2, workcell=bay)]

    run_ids = await unit_of_work(arrange)
    results = await asyncio.gather(
        *(
            outcome(
                unit_of_work(lambda built, i=i: ProtocolRunService(built.repositories).transition(i, "start"))
            )
            for i in run_ids
        )
    )
    assert results == ["ok", "ok"]


async def test_the_slower_of_two_editors_of_one_version_gets_a_conflict(
    engine: AsyncEngine, unit_of_work: Any
) -> None:
    workcell_id = await unit_of_work(lambda repos: _id(repos.workcell.create(name="original")))
    sessions = create_sessionmaker(engine)

    async with sessions() as first, first.begin(), sessions() as second, second.begin():
        mine, theirs = WorkcellService(Repositories(first)), WorkcellService(Repositories(second))
        assert (await mine.get(workcell_id)).version == (await theirs.get(workcell_id)).version == 1
        await mine.update(workcell_id, {"name": "first editor"}, expected_version=1)
        await first.commit()
        # the second editor read version 1 too, before the first committed
        with pytest.raises(ConflictError) as raised:
            await theirs.update(workcell_id, {"name": "second editor"}, expected_version=1)
        assert raised.value.field == "version"

    stored = await unit_of_work(lambda repos: repos.workcell.get(workcell_id))
    assert (stored.name, stored.version) == ("first editor", 2)


async def test_simultaneous_updates_of_one_version_through_the_api_let_one_win(
    api: httpx.AsyncClient,
) -> None:
    created = (
        await api.post("/api/v1/machines", json={"name": "STAR", "fqn": "pylabrobot.liquid_handling.STAR"})
    ).json()
    url = f"/api/v1/machines/{created['accession_id']}"

    responses = await asyncio.gather(
        *(api.patch(url, json={"name": f"STAR renamed by {n}", "version": 1}) for n in range(8))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 7
    winner = next(r.json() for r in responses if r.status_code == 200)
    losers = [r.json() for r in responses if r.status_code == 409]
    assert all(body["code"] == "conflict" and body["field"] == "version" for body in losers)
    stored = (await api.get(url)).json()
    assert (stored["name"], stored["version"]) == (winner["name"], 2)


async def test_transitions_and_deck_type_edits_check_the_version_too(api: httpx.AsyncClient) -> None:
    deck_definition = (
        await api.post("/api/v1/decks/types", json={"name": "OT-2", "fqn": "pylabrobot.resources.OTDeck"})
    ).json()
    url = f"/api/v1/decks/types/{deck_definition['accession_id']}"
    assert (await api.patch(url, json={"positions": [{"name": "1"}], "version": 1})).json()["version"] == 2
    stale = await api.patch(url, json={"positions": [{"name": "2"}], "version": 1})
    assert stale.status_code == 409
    assert [p["name"] for p in (await api.get(url)).json()["positions"]] == ["1"]

    definition = (await api.post("/api/v1/protocols/definitions", json={"name": "p", "fqn": "lab.p"})).json()
    run = (
        await api.post("/api/v1/protocols/runs", json={"protocol_definition_id": definition["accession_id"]})
    ).json()
    run_url = f"/api/v1/protocols/runs/{run['accession_id']}"
    assert (await api.post(f"{run_url}/start", json={"version": 1})).status_code == 200
    stale_cancel = await api.post(f"{run_url}/cancel", json={"version": 1})
    assert stale_cancel.status_code == 409
    assert (await api.get(run_url)).json()["status"] == "running"


async def _id(created: Awaitable[Any]) -> uuid.UUID:
    return (await created).accession_id


async def test_simultaneous_call_logs_on_one_run_get_consecutive_sequences(unit_of_work: Any) -> None:
    async def arrange(repos: Builders) -> uuid.UUID:
        return (await repos.protocol_run.create(status=RunStatus.RUNNING)).accession_id

    run_id = await unit_of_work(arrange)

    def log(n: int) -> Awaitable[Any]:
        return unit_of_work(
            lambda built: ProtocolRunService(built.repositories).log_call(
                run_id, {"function_name": f"step-{n}"}
            )
        )

    results = await asyncio.gather(*(outcome(log(n)) for n in range(6)))

    assert results == ["ok"] * 6
    calls = await unit_of_work(lambda repos: repos.protocol_run.repository.calls_of(run_id))
    assert [call.sequence for call in calls] == [1, 2, 3, 4, 5, 6]


async def test_a_locked_run_does_not_hold_up_outputs_recorded_for_it(
    engine: AsyncEngine, unit_of_work: Any
) -> None:
    run_id = await unit_of_work(lambda repos: _id(repos.protocol_run.create(status=RunStatus.RUNNING)))
    sessions = create_sessionmaker(engine)

    async with sessions() as locker, locker.begin():
        await Repositories(locker).protocol_run.get_for_update(run_id)  # held until this block ends
        async with sessions() as recorder, recorder.begin():
            await recorder.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail, not hang
            output = await Builders(recorder).data_output.create(protocol_run=run_id)
        assert output.protocol_run_id == run_id
