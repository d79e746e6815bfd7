from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert

from praxis.backend.models.orm import ProtocolDefinitionOrm
from praxis.backend.repositories.base import Repository

_IDENTITY = ("accession_id", "fqn", "version")


class ProtocolDefinitionRepository(Repository[ProtocolDefinitionOrm]):
    model = ProtocolDefinitionOrm

    async def upsert(self, **values: Any) -> ProtocolDefinitionOrm:
        """Insert, or update the row with the same (fqn, version): running discovery twice changes nothing.

        ``INSERT ... ON CONFLICT DO UPDATE ... WHERE <something differs>``: a row whose values are all
        unchanged is not rewritten, so its ``updated_at`` stays put.
        """
        self.new(**values)  # refuses unknown field names
        values.setdefault("version", self._default("version"))
        values.setdefault("accession_id", self._default("accession_id")())
        table = self.model.__table__
        statement = insert(table).values(**values)
        changes = {key: statement.excluded[key] for key in values if key not in _IDENTITY}
        if changes:
            statement = statement.on_conflict_do_update(
                index_elements=["fqn", "version"],
                set_={**changes, "updated_at": func.statement_timestamp()},
                where=or_(*[table.c[key].is_distinct_from(statement.excluded[key]) for key in changes]),
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=["fqn", "version"])
        async with self.writing():
            await self.session.execute(statement)
        found = await self.session.scalars(
            select(ProtocolDefinitionOrm)
            .where(
                ProtocolDefinitionOrm.fqn == values["fqn"],
                ProtocolDefinitionOrm.version == values["version"],
            )
            .execution_options(populate_existing=True)
        )
        return found.one()

    async def get_by_fqn(self, fqn: str, version: str | None = None) -> ProtocolDefinitionOrm | None:
        """That version, or without one the most recently created version of ``fqn``."""
        if version is not None:
            return await self.get_by(fqn=fqn, version=version)
        latest = await self.list({"fqn": fqn}, order_by="-created_at", limit=1)
        return latest[0] if latest else None
