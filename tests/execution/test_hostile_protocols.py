"""A protocol that exits, loops, leaves threads, floods its output, raises BaseException, exhausts
memory or crashes the interpreter costs its own run only: the run fails (or completes) with the reason,
and the worker goes on to the next run."""

from __future__ import annotations

from pathlib import Path

import pytest

from praxis.backend.execution.worker import WorkerOptions
from praxis.backend.models.orm import CallStatus, ProtocolDefinitionOrm, RunStatus
from praxis.backend.repositories import Repositories
from tests.builders import Builders
from tests.harness.execution import ProtocolRunner, discover_source

HOSTILE = """
import ctypes, os, sys, threading, time
from praxis.backend.protocols import protocol, protocol_function

@protocol_function
def step(n: int) -> int:
    if n == 3:
        raise ValueError("the third step failed")
    return n

@protocol
def raises() -> None:
    for n in range(1, 5):
        step(n)

@protocol
def exits() -> None:
    os._exit(3)

@protocol
def loops() -> None:
    while True:
        pass

@protocol
def leaves_a_thread() -> str:
    threading.Thread(target=lambda: time.sleep(3600)).start()  # not a daemon: would keep a process up
    return "returned"

@protocol
def floods() -> int:
    line = "x" * 1023 + "\\n"
    for _ in range(20 * 1024):
        sys.stdout.write(line)
    return 20

@protocol
def interrupts() -> None:
    raise KeyboardInterrupt("stop")

@protocol
def base_exception() -> None:
    raise BaseException("not an Exception")

@protocol
def exhausts_memory() -> None:
    hoard = []
    while True:
        hoard.append(bytearray(64 * 1024 * 1024))

@protocol
def crashes() -> None:
    ctypes.string_at(0)

@protocol
def well_behaved() -> str:
    return "fine"
"""


@pytest.fixture
async def hostile(tmp_path: Path, repositories: Repositories) -> dict[str, ProtocolDefinitionOrm]:
    return await discover_source(repositories, tmp_path, HOSTILE, "hostile.py")


@pytest.fixture
def small_runner(protocol_runner: ProtocolRunner) -> ProtocolRunner:
    protocol_runner.worker.options = WorkerOptions(time_limit=60, memory_limit_mb=768, cancel_grace=2)
    return protocol_runner


async def run(
    repos: Builders,
    runner: ProtocolRunner,
    definition: ProtocolDefinitionOrm,
    time_limit_seconds: float | None = None,
):
    created = await repos.protocol_run.create(
        protocol_definition=definition, input_parameters={}, time_limit_seconds=time_limit_seconds
    )
    return await runner.run(created)


async def test_an_exception_fails_the_run_and_the_call_that_raised(
    repos: Builders, hostile: dict[str, ProtocolDefinitionOrm], protocol_runner: ProtocolRunner
) -> None:
    finished = await run(repos, protocol_runner, hostile["raises"])

    assert finished.run.status is RunStatus.FAILED
    assert finished.run.error_message == "ValueError: the third step failed"
    root = finished.call_tree[0]
    steps = [(c.call.arguments["n"], c.call.status) for c in root.children]
    assert steps == [(1, CallStatus.COMPLETED), (2, CallStatus.COMPLETED), (3, CallStatus.FAILED)]
    assert "the third step failed" in (root.children[2].call.error_traceback or "")
    assert root.call.status is CallStatus.FAILED


@pytest.mark.parametrize(
    ("name", "status", "details"),
    [
        ("exits", RunStatus.FAILED, "exited with status 3 before reporting its end"),
        ("interrupts", RunStatus.FAILED, "failed: KeyboardInterrupt: stop"),
        ("base_exception", RunStatus.FAILED, "failed: BaseException: not an Exception"),
        ("exhausts_memory", RunStatus.FAILED, "failed: MemoryError"),
        ("crashes", RunStatus.FAILED, "ended by SIGSEGV before reporting its end"),
        ("leaves_a_thread", RunStatus.COMPLETED, "completed"),
        ("floods", RunStatus.COMPLETED, "completed"),
    ],
)
async def test_a_hostile_protocol_costs_its_own_run_only(
    repos: Builders,
    hostile: dict[str, ProtocolDefinitionOrm],
    small_runner: ProtocolRunner,
    name: str,
    status: RunStatus,
    details: str,
) -> None:
    finished = await run(repos, small_runner, hostile[name])
    after = await run(repos, small_runner, hostile["well_behaved"])

    assert finished.run.status is status
    assert details in (finished.run.status_details or "")
    assert finished.run.completed_at is not None
    assert after.run.status is RunStatus.COMPLETED  # the worker goes on


async def test_a_protocol_that_never_ends_is_ended_at_its_time_limit(
    repos: Builders, hostile: dict[str, ProtocolDefinitionOrm], protocol_runner: ProtocolRunner
) -> None:
    finished = await run(repos, protocol_runner, hostile["loops"], time_limit_seconds=1.5)

    assert finished.run.status is RunStatus.FAILED
    assert finished.run.status_details == "ended: the run exceeded its time limit"
    assert finished.call_tree[0].call.status is CallStatus.FAILED  # the open call is closed
