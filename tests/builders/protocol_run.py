from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Unpack

from praxis.backend.db.base import Entity
from praxis.backend.models.orm import ProtocolRunOrm, RunStatus
from praxis.backend.repositories.protocol_run import ProtocolRunRepository
from tests.builders.base import Builder, Parent, unique_name

if TYPE_CHECKING:
    from tests.builders.fields import ProtocolRunFields

_STARTED = {RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.COMPLETED, RunStatus.FAILED}
_QUEUED = {RunStatus.QUEUED, RunStatus.PAUSED}
_FINISHED = {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED}


class ProtocolRunBuilder(Builder[ProtocolRunOrm, ProtocolRunRepository]):
    """Runs are PENDING by default; pass ``status=`` and the fields that state implies are filled in:
    QUEUED gets ``queued_at``; RUNNING gets ``started_at`` (a run recorded by hand: give ``queued_at``
    too for one a worker executes); PAUSED (by its worker) both; COMPLETED and FAILED get
    ``started_at``, ``completed_at`` and ``duration_ms`` (FAILED also an ``error_message``); CANCELLED
    gets ``completed_at``.
    ``previous_run=run`` makes it a continuation of ``run``."""

    repository_name = "protocol_run"

    parents = {
        "protocol_definition": Parent(
            "protocol_definition", fk="protocol_definition_id", relationship="protocol_definition"
        ),
        "workcell": Parent("workcell", fk="workcell_id", relationship="workcell", create=False),
        "previous_run": Parent(
            "protocol_run", fk="previous_accession_id", relationship="previous_run", create=False
        ),
    }

    if TYPE_CHECKING:  # the fields it takes, for type checkers and editors: fields.py

        def build(self, **overrides: Unpack[ProtocolRunFields]) -> ProtocolRunOrm: ...
        async def create(self, **overrides: Unpack[ProtocolRunFields]) -> ProtocolRunOrm: ...
        async def create_batch(
            self, n: int, **overrides: Unpack[ProtocolRunFields]
        ) -> list[ProtocolRunOrm]: ...

    def defaults(self) -> dict[str, Any]:
        return {"name": unique_name("run"), "input_parameters": {"volume_ul": 50.0}}

    def consistent(self, values: dict[str, Any], parents: dict[str, Entity]) -> dict[str, Any]:
        status = RunStatus(values.get("status", RunStatus.PENDING))
        now = datetime.now(UTC)
        if status in _QUEUED:
            values.setdefault("queued_at", now - timedelta(minutes=6))
        if status in _STARTED:
            values.setdefault("started_at", now - timedelta(minutes=5))
        if status in _FINISHED:
            values.setdefault("completed_at", now)
        started_at, completed_at = values.get("started_at"), values.get("completed_at")
        if started_at is not None and completed_at is not None:
            values.setdefault("duration_ms", (completed_at - started_at).total_seconds() * 1000)
        if status is RunStatus.FAILED:
            values.setdefault("error_message", "liquid handler reported a tip pickup error")
        return values
