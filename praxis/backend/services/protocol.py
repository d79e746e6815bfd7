"""Protocol definitions and runs: parameter checks on creation and the run state machine."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from praxis.backend.errors import ConflictError, InvalidReferenceError, InvalidValueError, NotFoundError
from praxis.backend.execution import lifecycle
from praxis.backend.models.orm import (
    CallStatus,
    FunctionCallLogOrm,
    ProtocolDefinitionOrm,
    ProtocolRunOrm,
    RunStatus,
)
from praxis.backend.services.base import CrudService


class ProtocolDefinitionService(CrudService[ProtocolDefinitionOrm]):
    repository_name = "protocol_definition"
    orderable = frozenset({"created_at", "updated_at", "name", "fqn", "version"})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[RunStatus]
    target: RunStatus
    stamps_start: bool = False
    stamps_end: bool = False


#: the transitions of a run recorded by hand (its client executes it, no worker): start, complete,
#: fail. Queued runs are moved by their worker and by ``ProtocolRunService.command`` (``lifecycle``).
TRANSITIONS = {
    "start": Transition(frozenset({RunStatus.PENDING}), RunStatus.RUNNING, stamps_start=True),
    "complete": Transition(frozenset({RunStatus.RUNNING}), RunStatus.COMPLETED, stamps_end=True),
    "fail": Transition(frozenset({RunStatus.RUNNING}), RunStatus.FAILED, stamps_end=True),
}


#: why a run recorded by hand is in its status
_RECORDED = {
    "start": "running (recorded by its client)",
    "complete": "completed (recorded by its client)",
    "fail": "failed (recorded by its client)",
}


def view_of(run: ProtocolRunOrm) -> lifecycle.RunView:
    """What the lifecycle rules read of a run."""
    return lifecycle.RunView(
        status=run.status,
        control_request=run.control_request,
        started=run.started_at is not None,
        by_worker=run.queued_at is not None,
    )


#: states a run can be resumed from: it has stopped, one way or another
RESUMABLE = frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED})


def duration_ms(start: datetime | None, end: datetime | None) -> float | None:
    """Milliseconds from ``start`` to ``end``; None when either is unknown (a run cancelled before it
    started never ran, so it has no duration rather than a duration of zero)."""
    if start is None or end is None:
        return None
    return (end - start).total_seconds() * 1000


@dataclass
class CallTree:
    """A logged call and the calls made from inside it, each list in sequence order."""

    call: FunctionCallLogOrm
    children: list[CallTree]


def nest_calls(calls: list[FunctionCallLogOrm]) -> list[CallTree]:
    """The run's calls (in sequence order) as a forest: a call whose parent is not among them (none,
    or a parent since removed) is a root."""
    nodes = {call.accession_id: CallTree(call, []) for call in calls}
    roots: list[CallTree] = []
    for call in calls:
        parent = nodes.get(call.parent_function_call_log_id) if call.parent_function_call_log_id else None
        (parent.children if parent is not None else roots).append(nodes[call.accession_id])
    return roots


def check_parameters(definition: ProtocolDefinitionOrm, given: Mapping[str, Any]) -> None:
    """Required parameters present, unknown ones refused. Asset parameters (machines, labware) are
    assigned by the workcell, not passed in, so they are neither required nor refused here."""
    assets = {asset.get("name") for asset in definition.required_assets}
    known = {parameter.get("name") for parameter in definition.parameters} | assets
    for name in given:
        if name not in known:
            raise InvalidValueError(
                f"protocol {definition.fqn} has no parameter {name!r}; it takes {sorted(str(k) for k in known)}",
                entity="protocol_run",
                field=f"input_parameters.{name}",
            )
    for parameter in definition.parameters:
        name = parameter.get("name")
        if name in assets or parameter.get("optional", False) or name in given:
            continue
        raise InvalidValueError(
            f"parameter {name!r} of protocol {definition.fqn} is required",
            entity="protocol_run",
            field=f"input_parameters.{name}",
        )


class ProtocolRunService(CrudService[ProtocolRunOrm]):
    """Runs are created PENDING; their status moves only along ``TRANSITIONS``."""

    repository_name = "protocol_run"
    orderable = frozenset({"created_at", "updated_at", "name", "status", "started_at", "completed_at"})

    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        definition_id = values["protocol_definition_id"]
        definition = await self.repos.protocol_definition.get_or_none(definition_id)
        if definition is None:
            raise InvalidReferenceError(
                f"protocol definition {definition_id} does not exist",
                entity="protocol_run",
                field="protocol_definition_id",
                value=definition_id,
            )
        workcell_id = values.get("workcell_id")
        if workcell_id is not None and not await self.repos.workcell.exists(accession_id=workcell_id):
            raise InvalidReferenceError(
                f"workcell {workcell_id} does not exist",
                entity="protocol_run",
                field="workcell_id",
                value=workcell_id,
            )
        check_parameters(definition, values.get("input_parameters") or {})
        previous_id = values.get("previous_accession_id")
        if previous_id is not None:
            await self._check_resumable(previous_id, definition)
        if not values.get("name"):
            values["name"] = definition.name
        values["status"] = RunStatus.PENDING
        return values

    async def create(self, data: Mapping[str, Any]) -> ProtocolRunOrm:
        """Create the run; with ``queue``, queue it in the same unit of work (both or neither)."""
        data = dict(data)
        queue = data.pop("queue", False)
        run = await super().create(data)
        if queue:
            run = await self.command(run.accession_id, "queue")
        return run

    async def command(
        self,
        id: uuid.UUID,
        command: str,
        *,
        reason: str | None = None,
        expected_version: int | None = None,
        final_state_json: dict[str, Any] | None = None,
    ) -> ProtocolRunOrm:
        """A client's queue, pause, resume or cancel (``lifecycle.decide`` says what it does).

        Queueing checks that the run's machines and labware exist (409 naming the parameter), and
        enqueues its job in this unit of work. A request its worker must carry out is announced to it (``RUN_CHANNEL``).
        """
        run = await self.repos.protocol_run.get_for_update(id)
        try:
            change = lifecycle.decide(command, view_of(run), reason)
        except lifecycle.Refused as refused:
            raise ConflictError(
                str(refused), entity="protocol_run", field="status", value=run.status.value
            ) from None
        if command == "queue":
            await self._check_assets(run)
        values = change.values()
        now = datetime.now(UTC)
        for stamp in change.stamps:
            values[stamp] = now
        if "completed_at" in change.stamps:
            values["duration_ms"] = duration_ms(run.started_at, now)
        if change.status is RunStatus.CANCELLED:
            await self.repos.protocol_run.release(run.accession_id)
            if final_state_json is not None:
                values["final_state_json"] = final_state_json
        run = await self.repos.protocol_run.update(run, expected_version=expected_version, **values)
        if change.enqueue:
            await self.repos.run_queue.enqueue(run.accession_id)
        return run

    async def _check_assets(self, run: ProtocolRunOrm) -> None:
        from praxis.backend.execution.assets import bind
        from praxis.backend.execution.errors import AssetsMissing
        from praxis.backend.services.run_execution import candidates_of

        definition = await self.repos.protocol_definition.get(run.protocol_definition_id)
        try:
            bind(definition.required_assets, run.input_parameters, await candidates_of(self.repos, run))
        except AssetsMissing as missing:
            raise InvalidValueError(
                str(missing), entity="protocol_run", field=f"input_parameters.{missing.parameter}"
            ) from None

    async def _check_resumable(self, previous_id: uuid.UUID, definition: ProtocolDefinitionOrm) -> None:
        """A continuation resumes a run of the same protocol that has stopped (completed, failed or
        cancelled): resuming a run that is still pending or running would make two runs of one."""
        previous = await self.repos.protocol_run.get_or_none(previous_id)
        if previous is None:
            raise InvalidReferenceError(
                f"protocol run {previous_id} does not exist",
                entity="protocol_run",
                field="previous_accession_id",
                value=previous_id,
            )
        if previous.protocol_definition_id != definition.accession_id:
            raise InvalidValueError(
                f"run {previous_id} ran another protocol; a continuation runs the protocol it resumes",
                entity="protocol_run",
                field="previous_accession_id",
                value=previous_id,
            )
        if previous.status not in RESUMABLE:
            raise ConflictError(
                f"run {previous_id} is {previous.status.value}; only a completed, failed or cancelled run "
                "can be resumed",
                entity="protocol_run",
                field="previous_accession_id",
                value=previous_id,
            )

    async def transition(
        self,
        id: uuid.UUID,
        action: str,
        *,
        expected_version: int | None = None,
        error_message: str | None = None,
        output_data: dict[str, Any] | None = None,
        initial_state_json: dict[str, Any] | None = None,
        final_state_json: dict[str, Any] | None = None,
    ) -> ProtocolRunOrm:
        """Move the run along ``TRANSITIONS``.

        start records ``initial_state_json``: the state given, or else the workcell's latest state (a
        copy: the workcell's state moves on, the run's record must not). complete, fail and cancel
        record ``final_state_json`` when given, and ``duration_ms`` from start to end when the run had
        started. The workcell's own state is left to the workcell's API: a run reports what it saw.
        """
        step = TRANSITIONS[action]
        run = await self.repos.protocol_run.get_for_update(id)
        if run.status not in step.sources:
            raise ConflictError(
                f"cannot {action} a {run.status.value} run; {action} applies to "
                f"{', '.join(sorted(s.value for s in step.sources))} runs",
                entity="protocol_run",
                field="status",
                value=run.status.value,
            )
        if step.target is RunStatus.RUNNING and run.workcell_id is not None:
            await self._claim_workcell(run)
        now = datetime.now(UTC)
        changes: dict[str, Any] = {"status": step.target, "status_details": _RECORDED[action]}
        if step.stamps_start:
            changes["started_at"] = now
            if initial_state_json is None and run.workcell_id is not None:
                initial_state_json = dict((await self.repos.workcell.get(run.workcell_id)).latest_state)
            changes["initial_state_json"] = initial_state_json
        if step.stamps_end:
            changes["completed_at"] = now
            changes["duration_ms"] = duration_ms(run.started_at, now)
            if final_state_json is not None:
                changes["final_state_json"] = final_state_json
        if action == "fail":
            changes["error_message"] = error_message or "failed without a message"
            changes["status_details"] = f"failed (recorded by its client): {changes['error_message']}"
        if action == "complete" and output_data is not None:
            changes["output_data"] = output_data
        return await self.repos.protocol_run.update(run, expected_version=expected_version, **changes)

    async def _claim_workcell(self, run: ProtocolRunOrm) -> None:
        """One run at a time on a workcell that asks for it; the workcell row lock serialises starts.

        Workcells that allow concurrent runs are not locked at all: their starts need no ordering.
        """
        assert run.workcell_id is not None
        if (await self.repos.workcell.get(run.workcell_id)).allows_concurrent_runs:
            return
        workcell = await self.repos.workcell.get_for_update(run.workcell_id)
        if workcell.allows_concurrent_runs:  # changed while we waited for the lock
            return
        if await self.repos.protocol_run.active_on_workcell(workcell.accession_id, exclude=run.accession_id):
            raise ConflictError(
                f"workcell {workcell.name!r} is already running a protocol and allows one run at a time",
                entity="workcell",
                field="status",
            )

    async def log_call(self, id: uuid.UUID, values: Mapping[str, Any]) -> FunctionCallLogOrm:
        """Log a call as the run's next one. ``started_at`` defaults to now, so ending the call later
        gives it a duration; a call logged already ended gets its ``duration_ms`` at once. A nested
        call's parent must be a call of the same run."""
        # the run's row lock orders concurrent appends, so each gets the next sequence number
        run = await self.repos.protocol_run.get_for_update(id)
        if run.status is not RunStatus.RUNNING:
            raise ConflictError(
                f"function calls are logged on running runs; this run is {run.status.value}",
                entity="protocol_run",
                field="status",
            )
        values = dict(values)
        parent_id = values.get("parent_function_call_log_id")
        if parent_id is not None and not await self.repos.protocol_run.has_call(id, parent_id):
            raise InvalidReferenceError(
                f"function call {parent_id} is not a call of protocol run {id}",
                entity="function_call_log",
                field="parent_function_call_log_id",
                value=parent_id,
            )
        if values.get("started_at") is None:
            values["started_at"] = datetime.now(UTC)
        values["duration_ms"] = duration_ms(values["started_at"], values.get("ended_at"))
        return await self.repos.protocol_run.append_call(run, **values)

    async def end_call(
        self, id: uuid.UUID, call_id: uuid.UUID, values: Mapping[str, Any]
    ) -> FunctionCallLogOrm:
        """End a running call: ``completed`` with its ``return_value`` or ``failed`` with its
        ``error_message`` and ``error_traceback``; stamps ``ended_at`` (now unless given) and
        ``duration_ms``.

        The run's own status does not matter: the calls still open when a run fails or is cancelled
        are exactly the ones whose end must still be recorded. A call ends once (409 after that).
        """
        call = await self.repos.function_call_log.get_for_update(call_id)
        if call.protocol_run_id != id:
            raise NotFoundError(
                f"function call {call_id} is not a call of protocol run {id}",
                entity="function_call_log",
                field="accession_id",
                value=call_id,
            )
        if call.status is not CallStatus.RUNNING:
            raise ConflictError(
                f"function call {call_id} has already ended ({call.status.value})",
                entity="function_call_log",
                field="status",
                value=call.status.value,
            )
        changes = dict(values)
        status = CallStatus(changes.get("status", CallStatus.COMPLETED))
        ended_at = changes.get("ended_at") or datetime.now(UTC)
        if call.started_at is not None and ended_at < call.started_at:
            raise InvalidValueError(
                f"a call cannot end before it started ({call.started_at.isoformat()})",
                entity="function_call_log",
                field="ended_at",
                value=ended_at,
            )
        changes.update(status=status, ended_at=ended_at, duration_ms=duration_ms(call.started_at, ended_at))
        if status is CallStatus.FAILED and not changes.get("error_message"):
            changes["error_message"] = "failed without a message"
        return await self.repos.function_call_log.update(call, **changes)

    async def calls(self, id: uuid.UUID) -> list[FunctionCallLogOrm]:
        await self.repos.protocol_run.get(id)
        return await self.repos.protocol_run.calls_of(id)

    async def call_tree(self, id: uuid.UUID) -> list[CallTree]:
        """The run's calls nested under the calls they were made from, in sequence order."""
        return nest_calls(await self.calls(id))
