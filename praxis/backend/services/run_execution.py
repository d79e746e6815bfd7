"""What a worker does to a run's records: begin it (bind and reserve its assets), record what its
protocol reported, carry out pauses and resumes, and finish it. The rules are ``execution.lifecycle``'s;
this service applies them through the repositories, one unit of work per step.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from praxis.backend.execution import lifecycle
from praxis.backend.execution.assets import UNAVAILABLE_MACHINE_STATUSES, Candidate, bind
from praxis.backend.execution.errors import AssetsMissing
from praxis.backend.models.orm import (
    FINISHED_RUN_STATUSES,
    CallStatus,
    ProtocolRunOrm,
    RunStatus,
)
from praxis.backend.repositories import Repositories
from praxis.backend.services.protocol import duration_ms, view_of

__all__ = ["RunExecutionService", "RunPlan"]


@dataclass(frozen=True)
class RunPlan:
    """What the child process needs to execute a run (the ``runner``'s spec, less its pipes)."""

    run_id: uuid.UUID
    spec: dict[str, Any]
    time_limit: float


class RunExecutionService:
    def __init__(self, repos: Repositories) -> None:
        self.repos = repos

    async def begin(
        self, run_id: uuid.UUID, *, default_time_limit: float, memory_limit_mb: int, asset_retry: float
    ) -> RunPlan | None:
        """Start a queued run: bind its assets, hold them, mark it running; None when there is nothing
        to execute now: it is no longer queued, or another run holds its assets (it stays queued,
        saying what it waits for, and its job comes back after ``asset_retry`` seconds). A run whose
        protocol or assets cannot be had fails here, with the reason."""
        run = await self.repos.protocol_run.get_or_none(run_id)
        if run is None:
            return None
        run = await self.repos.protocol_run.get_for_update(run_id)
        if run.status is not RunStatus.QUEUED:
            return None
        definition = await self.repos.protocol_definition.get(run.protocol_definition_id)
        if not (definition.source_file_path and definition.module_name and definition.function_name):
            await self._end(run, RunStatus.FAILED, "the protocol's source is not known: discover it again")
            return None
        try:
            bound = bind(
                definition.required_assets, run.input_parameters, await candidates_of(self.repos, run)
            )
        except AssetsMissing as missing:
            await self._end(run, RunStatus.FAILED, str(missing))
            return None
        taken = await self.repos.protocol_run.reserve(
            run.accession_id, [(uuid.UUID(c.id), c.kind) for c in bound.values()]
        )
        if taken:
            names = {uuid.UUID(c.id): c.name for c in bound.values()}
            waits = ", ".join(f"{names[a]!r} (held by run {holder})" for a, holder in taken.items())
            await self.repos.protocol_run.update(run, status_details=f"queued, waiting for {waits}")
            await self.repos.run_queue.enqueue(run.accession_id, delay=asset_retry)
            return None
        change = lifecycle.began(view_of(run))
        await self.repos.protocol_run.update(run, **change.values(), started_at=datetime.now(UTC))
        assets = {name: {"parameter": name, **candidate.record()} for name, candidate in bound.items()}
        inputs = {k: v for k, v in run.input_parameters.items() if k not in assets}
        source = Path(definition.source_file_path)
        spec = {
            "mode": "run",
            "run_id": str(run.accession_id),
            "root": definition.source_root_path or str(source.parent),
            "module_name": definition.module_name,
            "function_name": definition.function_name,
            "source_file_path": str(source),
            "inputs": inputs,
            "assets": assets,
            "simulation": run.simulation,
            "memory_limit_mb": memory_limit_mb,
        }
        return RunPlan(run.accession_id, spec, run.time_limit_seconds or default_time_limit)

    async def broken(self, run_id: uuid.UUID, details: str) -> None:
        """A run its worker could not start or go on with (it holds the run's lease): failed, like a
        run whose worker is gone, whether it had begun or was still queued."""
        run = await self.repos.protocol_run.get_for_update(run_id)
        if run.status in (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED):
            await self._end(run, RunStatus.FAILED, details)

    async def lost(self, run_id: uuid.UUID, details: str) -> None:
        """A run whose worker is gone: failed, its open calls failed, its assets released."""
        run = await self.repos.protocol_run.get_for_update(run_id)
        if run.status in (RunStatus.RUNNING, RunStatus.PAUSED):
            await self._end(run, RunStatus.FAILED, details)

    async def control_request(self, run_id: uuid.UUID) -> str | None:
        run = await self.repos.protocol_run.get(run_id)
        return run.control_request.value if run.control_request else None

    async def paused(self, run_id: uuid.UUID) -> None:
        run = await self.repos.protocol_run.get_for_update(run_id)
        if run.status is RunStatus.RUNNING:
            await self.repos.protocol_run.update(run, **lifecycle.paused(view_of(run)).values())

    async def resumed(self, run_id: uuid.UUID) -> None:
        run = await self.repos.protocol_run.get_for_update(run_id)
        if run.status is RunStatus.PAUSED:
            await self.repos.protocol_run.update(run, **lifecycle.resumed(view_of(run)).values())

    async def record(
        self,
        run_id: uuid.UUID,
        new_calls: Sequence[Mapping[str, Any]],
        ended_calls: Sequence[Mapping[str, Any]],
        outputs: Sequence[Mapping[str, Any]],
        events: Sequence[tuple[str, Mapping[str, Any]]] = (),
    ) -> None:
        """One batch of what the protocol reported: calls first (outputs and log lines refer to them)."""
        await self.repos.function_call_log.insert_rows(new_calls)
        await self.repos.function_call_log.update_rows(ended_calls)
        files = [
            (row["accession_id"], row["file_data"]) for row in outputs if row.get("file_data") is not None
        ]
        await self.repos.data_output.insert_rows(
            [{key: value for key, value in row.items() if key != "file_data"} for row in outputs]
        )
        await self.repos.data_output.insert_files(files)
        await self.repos.run_event.append(run_id, events)
        if new_calls or ended_calls:
            await self.repos.protocol_run.announce_calls(run_id)

    async def finish(
        self,
        run_id: uuid.UUID,
        status: RunStatus,
        details: str,
        *,
        error_message: str | None = None,
        initial_state: dict[str, Any] | None = None,
        final_state: dict[str, Any] | None = None,
        output: Any = None,
    ) -> None:
        run = await self.repos.protocol_run.get_for_update(run_id)
        if run.status in FINISHED_RUN_STATUSES:
            return
        await self._end(
            run,
            status,
            details,
            error_message=error_message,
            initial_state_json=initial_state,
            final_state_json=final_state,
            output_data={"result": output} if output is not None else None,
        )

    async def _end(self, run: ProtocolRunOrm, status: RunStatus, details: str, **values: Any) -> None:
        change = lifecycle.finished(status, details)
        now = datetime.now(UTC)
        extra = {k: v for k, v in values.items() if v is not None}
        if status is RunStatus.FAILED:
            extra.setdefault("error_message", details)
        await self.repos.protocol_run.end_open_calls(
            run.accession_id,
            CallStatus.CANCELLED if status is RunStatus.CANCELLED else CallStatus.FAILED,
            details,
        )
        await self.repos.protocol_run.release(run.accession_id)
        await self.repos.protocol_run.update(
            run, **change.values(), completed_at=now, duration_ms=duration_ms(run.started_at, now), **extra
        )


async def candidates_of(repos: Repositories, run: ProtocolRunOrm) -> list[Candidate]:
    """The machines (available ones) and labware of the run's workcell, by name."""
    if run.workcell_id is None:
        return []
    machines = await repos.machine.list({"workcell_id": run.workcell_id}, order_by="name")
    resources = await repos.resource.list({"workcell_id": run.workcell_id}, order_by="name")
    definition_ids = list({r.resource_definition_id for r in resources})
    definitions = (
        {
            d.accession_id: d
            for d in await repos.resource_definition.list({"accession_id__in": definition_ids})
        }
        if definition_ids
        else {}
    )
    return [
        Candidate(str(m.accession_id), "machine", m.name, m.fqn)
        for m in machines
        if str(m.status) not in UNAVAILABLE_MACHINE_STATUSES
    ] + [
        Candidate(str(r.accession_id), "resource", r.name, definitions[r.resource_definition_id].fqn)
        for r in resources
        if r.resource_definition_id in definitions
    ]
