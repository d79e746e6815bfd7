from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Unpack

from praxis.backend.db.base import Entity
from praxis.backend.models.orm import CallStatus, FunctionCallLogOrm
from praxis.backend.repositories.function_call_log import FunctionCallLogRepository
from tests.builders.base import Builder, Parent, _id_of

if TYPE_CHECKING:
    from tests.builders.fields import FunctionCallLogFields


class FunctionCallLogBuilder(Builder[FunctionCallLogOrm, FunctionCallLogRepository]):
    """A call logged by a run (a new one unless given), numbered as the run numbers its calls: one past
    its last (``ProtocolRunRepository.next_call_sequence``, read when a run is given; 1 for a new one).
    ``build`` reads nothing: it numbers after what this builder last read or built for that run.

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

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._next: dict[uuid.UUID, int] = {}  # each run's next sequence number, as last read or built

    if TYPE_CHECKING:  # the fields it takes, for type checkers and editors: fields.py

        def build(self, **overrides: Unpack[FunctionCallLogFields]) -> FunctionCallLogOrm: ...

    async def create(self, **overrides: Unpack[FunctionCallLogFields]) -> FunctionCallLogOrm:
        async with self.builders.turns():  # the sequence read and the insert, in one turn
            await self._read_next_sequence(overrides)
            return await super().create(**overrides)

    async def create_batch(
        self, n: int, **overrides: Unpack[FunctionCallLogFields]
    ) -> list[FunctionCallLogOrm]:
        async with self.builders.turns():
            await self._read_next_sequence(overrides)
            return await super().create_batch(n, **overrides)

    async def _read_next_sequence(self, overrides: Mapping[str, Any]) -> None:
        run = overrides.get("protocol_run", overrides.get("protocol_run_id"))
        run_id = _id_of(run)
        if run_id is not None:  # else a new run, whose calls start at 1
            self._next[run_id] = await self.builders.repositories.protocol_run.next_call_sequence(run_id)

    def defaults(self) -> dict[str, Any]:
        return {"function_name": "aspirate", "arguments": {"volume_ul": 50.0}}

    def consistent(self, values: dict[str, Any], parents: dict[str, Entity]) -> dict[str, Any]:
        if "sequence" not in values:
            run_id = values["protocol_run_id"]
            values["sequence"] = self._next.get(run_id, 1)
            self._next[run_id] = values["sequence"] + 1
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
