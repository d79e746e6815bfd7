from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from praxis.backend.db.base import Entity
from praxis.backend.models.orm import ProtocolRunOrm, RunStatus
from tests.builders.base import Builder, Parent, unique_name

_STARTED = {RunStatus.RUNNING, RunStatus.COMPLETED, RunStatus.FAILED}
_FINISHED = {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED}


class ProtocolRunBuilder(Builder[ProtocolRunOrm]):
    """Runs are PENDING by default; pass ``status=`` and the fields that state implies are filled in:
    RUNNING gets ``started_at``; COMPLETED and FAILED get ``started_at`` and ``completed_at`` (FAILED
    also an ``error_message``); CANCELLED gets ``completed_at``."""

    repository_name = "protocol_run"

    parents = {
        "protocol_definition": Parent(
            "protocol_definition", fk="protocol_definition_id", relationship="protocol_definition"
        ),
        "workcell": Parent("workcell", fk="workcell_id", relationship="workcell", create=False),
    }

    def defaults(self) -> dict[str, Any]:
        return {"name": unique_name("run"), "input_parameters": {"volume_ul": 50.0}}

    def consistent(self, values: dict[str, Any], parents: dict[str, Entity]) -> dict[str, Any]:
        status = RunStatus(values.get("status", RunStatus.PENDING))
        now = datetime.now(UTC)
        if status in _STARTED:
            values.setdefault("started_at", now - timedelta(minutes=5))
        if status in _FINISHED:
            values.setdefault("completed_at", now)
        if status is RunStatus.FAILED:
            values.setdefault("error_message", "liquid handler reported a tip pickup error")
        return values
