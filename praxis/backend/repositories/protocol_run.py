from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import selectinload

from praxis.backend.db.base import new_id
from praxis.backend.models.orm import (
    AssetReservationOrm,
    CallStatus,
    FunctionCallLogOrm,
    ProtocolRunOrm,
    RunStatus,
)
from praxis.backend.repositories.base import Repository


def _next_sequence(run_id: uuid.UUID) -> Select[int]:
    """One past the run's last call's sequence number: how a run numbers its calls."""
    return select(func.coalesce(func.max(FunctionCallLogOrm.sequence), 0) + 1).where(
        FunctionCallLogOrm.protocol_run_id == run_id
    )


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

    async def next_call_sequence(self, run_id: uuid.UUID) -> int:
        """The sequence number the run's next call gets: one past its last (1 for a run without calls)."""
        return (await self.session.scalar(_next_sequence(run_id))) or 1

    async def append_call(self, run: ProtocolRunOrm, **values: Any) -> FunctionCallLogOrm:
        """Log a function call as the run's next one; the sequence is computed by the database."""
        next_sequence = _next_sequence(run.accession_id).scalar_subquery()
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

    # -- execution ----------------------------------------------------------------------------------
    async def reserve(
        self, run_id: uuid.UUID, assets: Sequence[tuple[uuid.UUID, str]]
    ) -> dict[uuid.UUID, uuid.UUID]:
        """Hold ``assets`` (id, kind) for the run; the ones another run holds, with that run's id.

        All or nothing: when any is taken, none is held (the caller waits and tries again).
        """
        if not assets:
            return {}
        table = AssetReservationOrm.__table__  # a Table: its columns by name
        async with self.writing():
            taken = dict(
                (
                    await self.session.execute(
                        select(table.c.asset_id, table.c.protocol_run_id).where(
                            table.c.asset_id.in_([a for a, _ in assets]), table.c.protocol_run_id != run_id
                        )
                    )
                ).all()
            )
            if taken:
                return taken
            statement = pg_insert(AssetReservationOrm).on_conflict_do_nothing().returning(table.c.asset_id)
            held = (
                await self.session.scalars(
                    statement,
                    [{"asset_id": a, "asset_kind": k, "protocol_run_id": run_id} for a, k in assets],
                )
            ).all()
        if len(set(held)) < len({a for a, _ in assets}):  # lost a race for one since the check
            await self.release(run_id)
            return await self.reserve(run_id, assets)
        return {}

    async def release(self, run_id: uuid.UUID) -> None:
        table = AssetReservationOrm.__table__  # a Table: its columns by name
        async with self.writing():
            await self.session.execute(delete(AssetReservationOrm).where(table.c.protocol_run_id == run_id))

    async def announce_calls(self, run_id: uuid.UUID) -> None:
        """Say at commit that the run logged calls (once per batch, not per call): ``CALLS_CHANNEL``."""
        await self.session.execute(select(func.pg_notify(CALLS_CHANNEL, str(run_id))))

    async def end_open_calls(self, run_id: uuid.UUID, status: CallStatus, message: str) -> None:
        """End the calls a run left open (its process died or was ended): ``status``, with ``message``."""
        table = FunctionCallLogOrm.__table__
        async with self.writing():
            await self.session.execute(
                update(table)
                .where(table.c.protocol_run_id == run_id, table.c.status == CallStatus.RUNNING.value)
                .values(status=status.value, error_message=message, ended_at=func.statement_timestamp())
            )


#: every change of a run's status or control request is announced here at commit (a trigger of
#: migration 0003), as JSON ``{"id", "status", "control_request"}``
RUN_CHANNEL = "praxis_run"
#: a batch of a run's calls was written (payload: the run's id)
CALLS_CHANNEL = "praxis_run_calls"
