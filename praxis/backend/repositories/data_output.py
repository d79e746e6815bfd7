from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from praxis.backend.models.orm import DataOutputOrm, OutputFileOrm
from praxis.backend.models.orm.data_output import file_columns
from praxis.backend.repositories.base import Repository


class DataOutputRepository(Repository[DataOutputOrm]):
    model = DataOutputOrm

    async def list_for_run(
        self, run_id: uuid.UUID, *, limit: int | None = None, offset: int | None = None
    ) -> list[DataOutputOrm]:
        return await self.list({"protocol_run_id": run_id}, order_by="created_at", limit=limit, offset=offset)

    async def store_file(self, output: DataOutputOrm, data: bytes, **described: Any) -> DataOutputOrm:
        """The output's file: its bytes (replacing any it had) and what describes it on its row."""
        statement = insert(OutputFileOrm).values(output_id=output.accession_id, data=data)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["output_id"], set_={"data": statement.excluded.data}
            )
        )
        return await self.update(output, **described)

    async def file_data(self, output_id: uuid.UUID) -> bytes | None:
        return await self.session.scalar(
            select(OutputFileOrm.data).where(OutputFileOrm.output_id == output_id)
        )

    async def remove_file(self, output: DataOutputOrm) -> DataOutputOrm:
        await self.session.execute(
            delete(OutputFileOrm).where(OutputFileOrm.output_id == output.accession_id)
        )
        return await self.update(output, **file_columns(None))

    async def insert_files(self, files: Sequence[tuple[uuid.UUID, bytes]]) -> None:
        """The bytes of files that outputs inserted in this unit of work carry (a run's batch)."""
        if files:
            await self.session.execute(
                insert(OutputFileOrm), [{"output_id": output_id, "data": data} for output_id, data in files]
            )
