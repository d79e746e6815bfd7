"""The run state machine, alone: what each command does to a run in each status (no database)."""

from __future__ import annotations

import pytest

from praxis.backend.execution.lifecycle import CLIENT_COMMANDS, Refused, RunView, began, decide, finished
from praxis.backend.models.orm import FINISHED_RUN_STATUSES, RunControl, RunStatus


def worker_run(status: RunStatus, control: RunControl | None = None) -> RunView:
    """A run its worker started executing."""
    return RunView(status, control, started=True, by_worker=True)


@pytest.mark.parametrize(
    ("command", "run", "status", "control"),
    [
        ("queue", RunView(RunStatus.PENDING), RunStatus.QUEUED, None),
        ("pause", RunView(RunStatus.QUEUED), RunStatus.PAUSED, None),
        ("pause", worker_run(RunStatus.RUNNING), None, RunControl.PAUSE),
        ("resume", RunView(RunStatus.PAUSED, by_worker=True), RunStatus.QUEUED, None),
        ("resume", worker_run(RunStatus.PAUSED), None, RunControl.RESUME),
        ("resume", worker_run(RunStatus.RUNNING, RunControl.PAUSE), None, None),
        ("cancel", RunView(RunStatus.PENDING), RunStatus.CANCELLED, None),
        ("cancel", RunView(RunStatus.QUEUED, by_worker=True), RunStatus.CANCELLED, None),
        ("cancel", RunView(RunStatus.RUNNING), RunStatus.CANCELLED, None),  # recorded by hand
        ("cancel", worker_run(RunStatus.RUNNING), None, RunControl.CANCEL),
        ("cancel", worker_run(RunStatus.PAUSED), None, RunControl.CANCEL),
    ],
)
def test_what_a_command_does(
    command: str, run: RunView, status: RunStatus | None, control: RunControl | None
) -> None:
    change = decide(command, run, "because")

    assert (change.status, change.control_request) == (status, control)
    assert "because" in change.details


def test_queueing_and_resuming_a_run_that_never_started_enqueue_it() -> None:
    assert decide("queue", RunView(RunStatus.PENDING)).enqueue
    assert decide("resume", RunView(RunStatus.PAUSED, by_worker=True)).enqueue
    assert not decide("resume", worker_run(RunStatus.PAUSED)).enqueue


@pytest.mark.parametrize("status", sorted(FINISHED_RUN_STATUSES))
@pytest.mark.parametrize("command", sorted(CLIENT_COMMANDS))
def test_an_ended_run_refuses_every_command(command: str, status: RunStatus) -> None:
    with pytest.raises(Refused, match=f"the run has ended \\({status.value}\\)"):
        decide(command, RunView(status, started=True, by_worker=True))


@pytest.mark.parametrize(
    ("command", "run"),
    [
        ("queue", RunView(RunStatus.QUEUED)),
        ("pause", RunView(RunStatus.PENDING)),
        ("pause", worker_run(RunStatus.PAUSED)),
        ("pause", RunView(RunStatus.RUNNING)),  # recorded by hand: nobody could pause it
        ("pause", worker_run(RunStatus.RUNNING, RunControl.CANCEL)),
        ("resume", worker_run(RunStatus.RUNNING)),
        ("resume", worker_run(RunStatus.PAUSED, RunControl.CANCEL)),
    ],
)
def test_a_command_that_does_not_apply_is_refused(command: str, run: RunView) -> None:
    with pytest.raises(Refused):
        decide(command, run)


def test_a_worker_begins_only_a_queued_run_and_ends_runs_only_in_an_end_status() -> None:
    assert began(RunView(RunStatus.QUEUED)).status is RunStatus.RUNNING
    with pytest.raises(Refused):
        began(RunView(RunStatus.PAUSED))
    with pytest.raises(ValueError, match="not an end"):
        finished(RunStatus.RUNNING, "?")
