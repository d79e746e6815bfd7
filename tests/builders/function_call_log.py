from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from praxis.backend.db.base import Entity
from praxis.backend.models.orm import CallStatus, FunctionCallLogOrm
from tests.builders.base import Builder, Parent


class FunctionCallLogBuilder(Builder[FunctionCallLogOrm]):
    """A call logged by a run (a new one unless given), numbered after every call built before it.

    Running by default, started a second ago; ``status=CallStatus.COMPLETED`` or ``FAILED`` gets
    ``ended_at`` and ``duration_ms`` (FAILED also an ``error_message`` and ``error_traceback``).
    ``parent_function_call_log=call`` nests it under another call (of the same run: pass that run).
    """

    repository_name = "function_call_log"
    parents = {
        "protocol_run": Parent("protocol_run", fk="protocol_run_id", relationship="protocol_run"),
        "parent_function_call_log": Parent(
            "function_call_log",
            fk="parent_function_call_log_id",
            relationship="parent_function_call_log",
            create=False,
        ),
    }
    _sequence = itertools.count(1)

    def defaults(self) -> dict[str, Any]:
        return {
            "function_name": "aspirate",
            "sequence": next(self._sequence),
            "arguments": {"volume_ul": 50.0},
        }

    def consistent(self, values: dict[str, Any], parents: dict[str, Entity]) -> dict[str, Any]:
        status = CallStatus(values.get("status", CallStatus.RUNNING))
        started_at = values.setdefault("started_at", datetime.now(UTC) - timedelta(seconds=1))
        if status is not CallStatus.RUNNING:
            ended_at = values.setdefault("ended_at", datetime.now(UTC))
            if started_at is not None and ended_at is not None:
                values.setdefault("duration_ms", (ended_at - started_at).total_seconds() * 1000)
        if status is CallStatus.FAILED:
            values.setdefault("error_message", "tip pickup failed")
            values.setdefault("error_traceback", "Traceback (most recent call last):\n  ...\nRuntimeError")
        return values
