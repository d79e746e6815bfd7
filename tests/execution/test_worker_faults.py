"""What the worker does when its own writes go wrong: a batch of calls never lands before the batch
it depends on, and a run the worker cannot start or carry on with ends failed, saying so, not queued or
running for good."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

from praxis.backend.execution.call_log import CallLog
from praxis.backend.models.orm import ProtocolDefinitionOrm, RunStatus
from praxis.backend.repositories import Repositories
from praxis.backend.services.run_execution import RunExecutionService
from tests.builders import Builders
from tests.harness.execution import ProtocolRunner, discover_source
from tests.protocol_files import TICKS


def started(seq: int, parent: int | None = None) -> dict[str, Any]:
    """The child's message for a call that started (as ``praxis.backend.execution.runner`` sends it)."""
    return {
        "type": "call_started",
        "seq": seq,
        "parent_seq": parent,
        "function_name": "tick",
        "fqn": "ticks.tick",
        "arguments": {"n": seq},
        "started_at": "2026-12-06T12:00:00+00:00",
    }


async def test_a_flush_waits_for_the_one_under_way_and_writes_after_what_that_one_put_back() -> None:
    """The worker flushes on a timer and whenever enough has come in. When the first of two overlapping
    flushes fails (the database refused it), its calls go back; the second must then write them
    before its own, or its calls would name a parent that is not stored (the run failed on the
    foreign key of ``parent_function_call_log_id``)."""
    written: list[list[int]] = []
    attempts = 0
    writing, refuse = asyncio.Event(), asyncio.Event()

    async def write(new: list[dict[str, Any]], *rest: Any) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            writing.set()
            await refuse.wait()
            raise OSError("connection refused")
        written.append([row["sequence"] for row in new])

    calls = CallLog(uuid.uuid4(), write)
    calls.add(started(1))
    on_timer = asyncio.create_task(calls.flush())
    await writing.wait()
    calls.add(started(2, parent=1))
    enough_came_in = asyncio.create_task(calls.flush())
    # refused only once the second flush has begun (a task's first step runs before callbacks
    # scheduled after it)
    asyncio.get_running_loop().call_soon(refuse.set)

    with pytest.raises(OSError):
        await on_timer
    await enough_came_in

    assert written == [[1, 2]]  # the parent first, in one batch with its child
    assert calls.pending() == 0


@pytest.fixture
async def ticks(tmp_path: Path, repositories: Repositories) -> ProtocolDefinitionOrm:
    return (await discover_source(repositories, tmp_path, TICKS))["ticks"]


@pytest.mark.parametrize(
    "step",
    ["begin", "record"],
    ids=["cannot-start-it", "cannot-record-its-calls"],
)
async def test_a_run_the_worker_cannot_go_on_with_ends_failed_saying_so(
    repos: Builders,
    ticks: ProtocolDefinitionOrm,
    protocol_runner: ProtocolRunner,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    """An error the worker does not expect (here: starting the run, or every write of its calls,
    refused with an error no retry helps) ends the run failed: its job is taken, and no other worker
    would ever look at it again, so "queued" or "running" would be for good."""

    async def refused(self: RunExecutionService, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"{step} refused")

    monkeypatch.setattr(RunExecutionService, step, refused)
    run = await repos.protocol_run.create(protocol_definition=ticks, input_parameters={"count": 3})

    finished = await protocol_runner.run(run)

    assert finished.run.status is RunStatus.FAILED
    assert finished.run.status_details is not None
    assert "the worker could not go on executing it (RuntimeError" in finished.run.status_details
