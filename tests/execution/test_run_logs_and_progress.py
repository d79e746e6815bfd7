"""A protocol's log lines are events of its run: INFO and up, each attached to the call that was
running, in the run's event stream (live and replayed), capped so that a chatty protocol cannot fill
the database. So is the progress it reports (``current_run().progress(done, total)``)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from praxis.backend.execution import runner as child_runner
from praxis.backend.models.orm import ProtocolDefinitionOrm, RunStatus
from praxis.backend.repositories import Repositories
from tests.builders import Builders
from tests.harness.events import read_events
from tests.harness.execution import ProtocolRunner, discover_source

LOGGING = """
import logging
from praxis.backend.protocols import current_run, protocol, protocol_function

log = logging.getLogger("assay")

@protocol_function
def weigh(n: int) -> int:
    log.info("weighing vial %d", n)
    return n

@protocol
def logs() -> None:
    log.debug("not kept: below INFO")
    log.warning("balance not calibrated today")
    weigh(1)
    try:
        1 / 0
    except ZeroDivisionError:
        log.exception("a reading could not be converted")

@protocol
def chatty(lines: int = 10) -> None:
    for n in range(lines):
        log.info("line %d", n)

@protocol
def counts(steps: int = 5) -> None:
    for n in range(1, steps + 1):
        weigh(n)
        current_run().progress(n, steps, f"vial {n}")

@protocol
def overshoots() -> None:
    current_run().progress(6, 5)
"""


@pytest.fixture
async def protocols(tmp_path: Path, repositories: Repositories) -> dict[str, ProtocolDefinitionOrm]:
    return await discover_source(repositories, tmp_path, LOGGING, "logging_protocols.py")


async def test_log_lines_are_events_attached_to_the_call_that_logged_them(
    client: httpx.AsyncClient,
    repos: Builders,
    protocols: dict[str, ProtocolDefinitionOrm],
    protocol_runner: ProtocolRunner,
) -> None:
    run = await repos.protocol_run.create(protocol_definition=protocols["logs"], input_parameters={})
    finished = await protocol_runner.run(run)

    events, ended = await read_events(client, f"/api/v1/protocols/runs/{run.accession_id}/events")

    assert finished.run.status is RunStatus.COMPLETED and ended
    logs = [e.data for e in events if e.kind == "log"]
    assert [(line["level"], line["logger"], line["message"].splitlines()[0]) for line in logs] == [
        ("WARNING", "assay", "balance not calibrated today"),
        ("INFO", "assay", "weighing vial 1"),
        ("ERROR", "assay", "a reading could not be converted"),
    ]
    root = finished.call_tree[0]
    weigh = root.children[0].call
    assert [line["call_id"] for line in logs] == [
        str(root.call.accession_id),
        str(weigh.accession_id),
        str(root.call.accession_id),
    ]
    assert "ZeroDivisionError: division by zero" in logs[2]["message"]  # the traceback comes with it
    assert all(line["at"] and line["run_id"] == str(run.accession_id) for line in logs)


async def test_a_chatty_protocol_keeps_its_first_lines_and_says_the_rest_were_dropped(
    repos: Builders,
    repositories: Repositories,
    protocols: dict[str, ProtocolDefinitionOrm],
    protocol_runner: ProtocolRunner,
) -> None:
    lines = child_runner.LOG_LINES + 50
    run = await repos.protocol_run.create(
        protocol_definition=protocols["chatty"], input_parameters={"lines": lines}
    )
    finished = await protocol_runner.run(run)

    stored = [
        e.data["message"]
        for e in await repositories.run_event.of_run(run.accession_id, after=0, limit=lines * 3)
        if e.kind == "log"
    ]
    assert finished.run.status is RunStatus.COMPLETED
    assert len(stored) == child_runner.LOG_LINES + 1
    assert stored[0] == "line 0" and stored[-2] == f"line {child_runner.LOG_LINES - 1}"
    assert stored[-1] == f"more than {child_runner.LOG_LINES} log lines: the rest are not kept"


async def test_progress_is_an_event_of_the_run_after_the_step_it_counts(
    client: httpx.AsyncClient,
    repos: Builders,
    protocols: dict[str, ProtocolDefinitionOrm],
    protocol_runner: ProtocolRunner,
) -> None:
    run = await repos.protocol_run.create(
        protocol_definition=protocols["counts"], input_parameters={"steps": 5}
    )
    finished = await protocol_runner.run(run)

    events, _ = await read_events(client, f"/api/v1/protocols/runs/{run.accession_id}/events")

    assert finished.run.status is RunStatus.COMPLETED
    progress = [(e.data["done"], e.data["total"], e.data["label"]) for e in events if e.kind == "progress"]
    assert progress, "no progress event"
    assert progress[-1] == (5, 5, "vial 5")  # the last said is kept: a batch keeps its latest only
    assert [done for done, _, _ in progress] == sorted({done for done, _, _ in progress})
    ended = [e.id for e in events if e.kind == "call_ended" and e.data["function_name"] == "weigh"]
    assert next(e.id for e in events if e.kind == "progress" and e.data["done"] == 5) > ended[-1]


async def test_progress_past_its_total_fails_the_run_saying_why(
    repos: Builders, protocols: dict[str, ProtocolDefinitionOrm], protocol_runner: ProtocolRunner
) -> None:
    run = await repos.protocol_run.create(protocol_definition=protocols["overshoots"], input_parameters={})
    finished = await protocol_runner.run(run)

    assert finished.run.status is RunStatus.FAILED
    assert finished.run.error_message == "ValueError: progress(6, 5): needs 0 <= done <= total and total >= 1"
