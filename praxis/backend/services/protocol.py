"""Protocol definitions and runs: parameter checks on creation and the run state machine."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from praxis.backend.errors import ConflictError, InvalidReferenceError, InvalidValueError
from praxis.backend.models.orm import FunctionCallLogOrm, ProtocolDefinitionOrm, ProtocolRunOrm, RunStatus
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


TRANSITIONS = {
    "start": Transition(frozenset({RunStatus.PENDING}), RunStatus.RUNNING, stamps_start=True),
    "complete": Transition(frozenset({RunStatus.RUNNING}), RunStatus.COMPLETED, stamps_end=True),
    "fail": Transition(frozenset({RunStatus.RUNNING}), RunStatus.FAILED, stamps_end=True),
    "cancel": Transition(
        frozenset({RunStatus.PENDING, RunStatus.RUNNING}), RunStatus.CANCELLED, stamps_end=True
    ),
}


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
        if not values.get("name"):
            values["name"] = definition.name
        values["status"] = RunStatus.PENDING
        return values

    async def transition(
        self,
        id: uuid.UUID,
        action: str,
        *,
        expected_version: int | None = None,
        error_message: str | None = None,
        output_data: dict[str, Any] | None = None,
    ) -> ProtocolRunOrm:
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
        changes: dict[str, Any] = {"status": step.target}
        if step.stamps_start:
            changes["started_at"] = now
        if step.stamps_end:
            changes["completed_at"] = now
        if action == "fail":
            changes["error_message"] = error_message or "failed without a message"
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
        # the run's row lock orders concurrent appends, so each gets the next sequence number
        run = await self.repos.protocol_run.get_for_update(id)
        if run.status is not RunStatus.RUNNING:
            raise ConflictError(
                f"function calls are logged on running runs; this run is {run.status.value}",
                entity="protocol_run",
                field="status",
            )
        return await self.repos.protocol_run.append_call(run, **values)

    async def calls(self, id: uuid.UUID) -> list[FunctionCallLogOrm]:
        await self.repos.protocol_run.get(id)
        return await self.repos.protocol_run.calls_of(id)
