"""Queries on the stored run events (``run_event``), which the database writes itself (migration 0005)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import UUID, func, insert, literal, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.models.orm import RunEventKind, RunEventOrm

#: the channel the event triggers announce on: ``c:<run id>`` or ``s:<event id>:<run id>``
EVENTS_CHANNEL = "praxis_run_events"


class RunEventLog:
    """Events are written by triggers, in the transaction of the change they record; log lines and progress,
    which record no other change, are written here."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def append(self, run_id: uuid.UUID, events: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        """Events that record no other change (``log``, ``progress``: ``(kind, data)``), numbered and
        announced as the triggers do it (under the run's event lock: the run's ids follow commit order)."""
        if not events:
            return
        runs = array([literal(run_id, UUID)])
        await self.session.execute(select(func.praxis_lock_runs(runs)))
        await self.session.execute(
            insert(RunEventOrm),
            [{"protocol_run_id": run_id, "kind": kind, "data": dict(data)} for kind, data in events],
        )
        await self.session.execute(select(func.praxis_announce_runs(runs)))

    async def of_run(self, run_id: uuid.UUID, *, after: int, limit: int) -> list[RunEventOrm]:
        """The run's events with an id above ``after``, oldest first, at most ``limit``."""
        statement = (
            select(RunEventOrm)
            .where(RunEventOrm.protocol_run_id == run_id, RunEventOrm.id > after)
            .order_by(RunEventOrm.id)
            .limit(limit)
        )
        return list((await self.session.scalars(statement)).all())

    async def statuses(self, *, after: int, limit: int) -> list[RunEventOrm]:
        """Every run's status events with an id above ``after``, oldest first, at most ``limit``."""
        statement = (
            select(RunEventOrm)
            .where(RunEventOrm.kind == RunEventKind.STATUS.value, RunEventOrm.id > after)
            .order_by(RunEventOrm.id)
            .limit(limit)
        )
        return list((await self.session.scalars(statement)).all())

    async def by_ids(self, ids: list[int]) -> list[RunEventOrm]:
        statement = select(RunEventOrm).where(RunEventOrm.id.in_(ids)).order_by(RunEventOrm.id)
        return list((await self.session.scalars(statement)).all())

    async def last_id(self, run_id: uuid.UUID | None = None) -> int:
        """The highest event id of the run (of every run's status events without one); 0 if none."""
        statement = select(func.coalesce(func.max(RunEventOrm.id), 0))
        if run_id is None:
            statement = statement.where(RunEventOrm.kind == RunEventKind.STATUS.value)
        else:
            statement = statement.where(RunEventOrm.protocol_run_id == run_id)
        return int(await self.session.scalar(statement) or 0)
