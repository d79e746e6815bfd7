from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

from praxis.backend.db.base import new_id
from praxis.backend.models.orm import FunctionCallLogOrm, ProtocolRunOrm, RunStatus
from praxis.backend.repositories.base import Repository


class ProtocolRunRepository(Repository[ProtocolRunOrm]):
    """Runs; every read returns them with their function call logs in sequence order."""

    model = ProtocolRunOrm
    eager = (selectinload(ProtocolRunOrm.function_calls),)

    async def list_by_status(self, *statuses: RunStatus) -> list[ProtocolRunOrm]:
        return await self.list({"status__in": statuses}, order_by="created_at")

    async def active_on_workcell(self, workcell_id: uuid.UUID, *, exclude: uuid.UUID | None = None) -> bool:
        """Whether another run is RUNNING on ``workcell_id`` (for one-run-at-a-time workcells)."""
        filters: dict[str, Any] = {"workcell_id": workcell_id, "status": RunStatus.RUNNING}
        if exclude is not None:
            filters["accession_id__ne"] = exclude
        return await self.exists(**filters)

    async def append_call(self, run: ProtocolRunOrm, **values: Any) -> FunctionCallLogOrm:
        """Log a function call as the run's next one; the sequence is computed by the database."""
        next_sequence = (
            select(func.coalesce(func.max(FunctionCallLogOrm.sequence), 0) + 1)
            .where(FunctionCallLogOrm.protocol_run_id == run.accession_id)
            .scalar_subquery()
        )
        table = FunctionCallLogOrm.__table__
        statement = insert(table).values(
            accession_id=new_id(), protocol_run_id=run.accession_id, sequence=next_sequence, **values
        )
        async with self.writing():
            result = await self.session.scalars(
                select(FunctionCallLogOrm).from_statement(statement.returning(*table.c))
            )
            return result.one()

    async def has_call(self, run_id: uuid.UUID, call_id: uuid.UUID) -> bool:
        """Whether ``call_id`` is a function call of run ``run_id``."""
        statement = select(FunctionCallLogOrm.accession_id).where(
            FunctionCallLogOrm.accession_id == call_id, FunctionCallLogOrm.protocol_run_id == run_id
        )
        return (await self.session.scalar(statement)) is not None

    async def calls_of(self, run_id: uuid.UUID) -> list[FunctionCallLogOrm]:
        statement = (
            select(FunctionCallLogOrm)
            .where(FunctionCallLogOrm.protocol_run_id == run_id)
            .order_by(FunctionCallLogOrm.sequence)
        )
        return list((await self.session.scalars(statement)).all())
