"""ProtocolRunService: calls that end and nest, run durations and states, continuations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from praxis.backend.errors import ConflictError, InvalidReferenceError
from praxis.backend.models.orm import CallStatus, RunStatus
from praxis.backend.repositories import Repositories
from praxis.backend.services.protocol import ProtocolRunService, duration_ms
from tests.builders import Builders

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def test_duration_is_unknown_without_both_ends() -> None:
    assert duration_ms(T0, T0 + timedelta(seconds=1.5)) == 1500.0
    assert duration_ms(None, T0) is None
    assert duration_ms(T0, None) is None


async def test_a_run_lives_through_start_calls_and_complete(
    repos: Builders, repositories: Repositories
) -> None:
    workcell = await repos.workcell.create(latest_state={"deck": "loaded"})
    run = await repos.protocol_run.create(workcell=workcell)
    service = ProtocolRunService(repositories)

    await service.transition(run.accession_id, "start")
    outer = await service.log_call(run.accession_id, {"function_name": "transfer", "started_at": T0})
    inner = await service.log_call(
        run.accession_id, {"function_name": "aspirate", "parent_function_call_log_id": outer.accession_id}
    )
    await service.end_call(run.accession_id, inner.accession_id, {"return_value": {"volume_ul": 50}})
    ended = await service.end_call(
        run.accession_id,
        outer.accession_id,
        {"status": CallStatus.FAILED, "ended_at": T0 + timedelta(seconds=3)},
    )
    done = await service.transition(run.accession_id, "complete", final_state_json={"deck": "empty"})

    assert (ended.status, ended.duration_ms, ended.error_message) == (
        CallStatus.FAILED,
        3000.0,
        "failed without a message",
    )
    assert (done.initial_state_json, done.final_state_json) == ({"deck": "loaded"}, {"deck": "empty"})
    assert done.duration_ms is not None and done.duration_ms >= 0
    [tree] = await service.call_tree(run.accession_id)
    assert (tree.call.function_name, [c.call.function_name for c in tree.children]) == (
        "transfer",
        ["aspirate"],
    )


async def test_a_call_ends_once(repos: Builders, repositories: Repositories) -> None:
    call = await repos.function_call_log.create(status=CallStatus.FAILED)

    with pytest.raises(ConflictError) as raised:
        await ProtocolRunService(repositories).end_call(call.protocol_run_id, call.accession_id, {})

    assert (raised.value.entity, raised.value.field) == ("function_call_log", "status")


async def test_a_continuation_needs_a_stopped_run(repos: Builders, repositories: Repositories) -> None:
    running = await repos.protocol_run.create(status=RunStatus.RUNNING)
    service = ProtocolRunService(repositories)
    body = {"protocol_definition_id": running.protocol_definition_id, "input_parameters": {"volume_ul": 1}}

    with pytest.raises(ConflictError) as conflict:
        await service.create({**body, "previous_accession_id": running.accession_id})
    await repos.protocol_run.update(running, status=RunStatus.CANCELLED)
    resumed = await service.create({**body, "previous_accession_id": running.accession_id})
    with pytest.raises(InvalidReferenceError):
        await service.create({**body, "previous_accession_id": resumed.protocol_definition_id})

    assert conflict.value.field == "previous_accession_id"
    assert resumed.previous_accession_id == running.accession_id
