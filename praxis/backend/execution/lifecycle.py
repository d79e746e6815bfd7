"""The run state machine, as pure functions: what a command does to a run, or why it is refused.

``pending -> queued -> running <-> paused -> completed | failed | cancelled``

Clients ask (queue, pause, resume, cancel); the worker that executes a run reports what happened
(began, paused, resumed, finished). A request that the worker must carry out inside the running
protocol (pause, resume, cancel of a started run) does not change the status at once: it is stored as
the run's ``control_request``, and the worker changes the status when the protocol has stopped at its
next decorated call. A run that never started is changed at once. A run started by hand (``start``,
with no worker: ``queued_at`` unset) is recorded by its client, so cancel ends it at once, as before.

Nothing here does I/O; services apply the ``Change`` these functions return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from praxis.backend.models.orm.protocol import FINISHED_RUN_STATUSES, RunControl, RunStatus

__all__ = ["CLIENT_COMMANDS", "Change", "Refused", "RunView", "decide"]


class Refused(Exception):
    """The command does not apply to the run in its status; the message says why and what does."""


@dataclass(frozen=True, slots=True)
class RunView:
    """What the rules read of a run."""

    status: RunStatus
    control_request: RunControl | None = None
    started: bool = False  # has executed (started_at set)
    by_worker: bool = False  # was queued for a worker (queued_at set), rather than recorded by hand


@dataclass(frozen=True, slots=True)
class Change:
    """What to store: the new status (None: unchanged), the control request, and why."""

    status: RunStatus | None
    control_request: RunControl | None
    details: str
    enqueue: bool = False  # the run needs a job on the queue
    stamps: frozenset[str] = field(default_factory=frozenset)  # queued_at, started_at, completed_at

    def values(self) -> dict[str, Any]:
        changes: dict[str, Any] = {"control_request": self.control_request, "status_details": self.details}
        if self.status is not None:
            changes["status"] = self.status
        return changes


#: the commands a client may send, with the statuses each applies to (for error messages and docs)
CLIENT_COMMANDS: dict[str, frozenset[RunStatus]] = {
    "queue": frozenset({RunStatus.PENDING}),
    "pause": frozenset({RunStatus.QUEUED, RunStatus.RUNNING}),
    "resume": frozenset({RunStatus.PAUSED, RunStatus.RUNNING}),
    "cancel": frozenset({RunStatus.PENDING, RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED}),
}


def _refuse(command: str, run: RunView, why: str | None = None) -> Refused:
    applies = ", ".join(s.value for s in RunStatus if s in CLIENT_COMMANDS.get(command, ()))
    return Refused(why or f"cannot {command} a {run.status.value} run; {command} applies to {applies} runs")


def decide(command: str, run: RunView, reason: str | None = None) -> Change:
    """The change a client's ``command`` makes to ``run``; ``Refused`` when it does not apply."""
    said = f": {reason}" if reason else ""
    if run.status in FINISHED_RUN_STATUSES:
        raise _refuse(command, run, f"the run has ended ({run.status.value}); it cannot {command}")
    if command == "queue":
        if run.status is not RunStatus.PENDING:
            raise _refuse(command, run)
        return Change(RunStatus.QUEUED, None, f"queued{said}", enqueue=True, stamps=frozenset({"queued_at"}))
    if command == "pause":
        if run.status is RunStatus.QUEUED:
            return Change(RunStatus.PAUSED, None, f"paused before it started{said}")
        if run.status is RunStatus.RUNNING and run.by_worker:
            if run.control_request is RunControl.CANCEL:
                raise _refuse(command, run, "the run is being cancelled")
            return Change(
                None, RunControl.PAUSE, f"pause requested{said}; the protocol pauses at its next call"
            )
        raise _refuse(command, run)
    if command == "resume":
        if run.status is RunStatus.PAUSED and not run.started:
            return Change(RunStatus.QUEUED, None, f"resumed, queued again{said}", enqueue=True)
        if run.status is RunStatus.PAUSED:
            if run.control_request is RunControl.CANCEL:
                raise _refuse(command, run, "the run is being cancelled")
            return Change(None, RunControl.RESUME, f"resume requested{said}")
        if run.status is RunStatus.RUNNING and run.control_request is RunControl.PAUSE:
            return Change(None, None, f"pause withdrawn{said}")
        raise _refuse(command, run)
    if command == "cancel":
        if run.status in (RunStatus.PENDING, RunStatus.QUEUED) or not run.started or not run.by_worker:
            return Change(RunStatus.CANCELLED, None, f"cancelled{said}", stamps=frozenset({"completed_at"}))
        return Change(None, RunControl.CANCEL, f"cancel requested{said}; the protocol stops at its next call")
    raise Refused(f"unknown command {command!r}")


def began(run: RunView) -> Change:
    """A worker starts executing a queued run."""
    if run.status is not RunStatus.QUEUED:
        raise _refuse("start", run, f"the run is {run.status.value}, not queued")
    return Change(RunStatus.RUNNING, None, "running", stamps=frozenset({"started_at"}))


def paused(run: RunView) -> Change:
    """The protocol stopped at a call for a pause request."""
    return Change(RunStatus.PAUSED, None, "paused at the protocol's next call")


def resumed(run: RunView) -> Change:
    return Change(RunStatus.RUNNING, None, "running again after a pause")


def finished(outcome: RunStatus, details: str) -> Change:
    """The worker's last word on a run: completed, failed or cancelled."""
    if outcome not in FINISHED_RUN_STATUSES:
        raise ValueError(f"{outcome.value} is not an end of a run")
    return Change(outcome, None, details, stamps=frozenset({"completed_at"}))
