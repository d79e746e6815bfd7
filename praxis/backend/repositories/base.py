"""The generic async repository every aggregate's repository derives from.

A repository holds queries for one aggregate and nothing else. It is bound to one ``AsyncSession``;
it flushes, never commits (the unit of work, one per request or per test, owns the transaction).
Every write runs inside a SAVEPOINT, so a constraint violation becomes one of the project's exceptions
and leaves the session usable for the next statement.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, delete, func, insert, inspect, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ColumnProperty
from sqlalchemy.sql.base import ExecutableOption

from praxis.backend.db.base import Entity, new_id
from praxis.backend.errors import ConflictError, InvalidValueError, NotFoundError, PraxisError
from praxis.backend.repositories.errors import translated
from praxis.backend.repositories.statements import OPERATORS, bulk_insert, column_default

ModelT = TypeVar("ModelT", bound=Entity)


#: bind parameters one statement may carry (PostgreSQL's protocol allows 32,767)
_MAX_PARAMETERS = 32_000


class Repository(Generic[ModelT]):
    """Queries for one aggregate. Subclasses set ``model`` and add their domain queries."""

    model: ClassVar[type[Entity]]
    #: loader options for reads whose result carries children (positions, call logs)
    eager: ClassVar[tuple[ExecutableOption, ...]] = ()

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- naming -----------------------------------------------------------------------------------
    @property
    def entity(self) -> str:
        return self.model.__tablename__

    @classmethod
    def columns(cls) -> dict[str, Any]:
        """Mapped column attributes by name: what filters, ordering and writes may name."""
        return {
            prop.key: getattr(cls.model, prop.key)
            for prop in cls.model.__mapper__.iterate_properties
            if isinstance(prop, ColumnProperty)
        }

    def _column(self, name: str) -> Any:
        column = self.columns().get(name)
        if column is None:
            raise InvalidValueError(f"{self.entity} has no field {name!r}", entity=self.entity, field=name)
        return column

    # -- query building ---------------------------------------------------------------------------
    def where(self, filters: Mapping[str, Any] | None) -> list[ColumnElement[bool]]:
        """``field=value`` equality; ``field__op=value`` with op in eq, ne, in, lt, lte, gt, gte,
        contains (case-insensitive substring) or isnull. A list or tuple value means ``in``."""
        clauses: list[ColumnElement[bool]] = []
        for key, value in (filters or {}).items():
            name, _, op = key.partition("__")
            op = op or ("in" if isinstance(value, list | tuple | set | frozenset) else "eq")
            if op not in OPERATORS:
                raise InvalidValueError(
                    f"unknown filter operator {op!r} on {name!r}", entity=self.entity, field=key
                )
            clauses.append(OPERATORS[op](self._column(name), value))
        return clauses

    def order(self, order_by: str | Sequence[str] | None) -> list[Any]:
        """``"name"`` ascending, ``"-created_at"`` descending; the id always breaks ties so pages are stable."""
        fields = [order_by] if isinstance(order_by, str) else list(order_by or [])
        clauses = []
        for field in fields:
            descending = field.startswith("-")
            column = self._column(field.lstrip("-"))
            clauses.append(column.desc() if descending else column.asc())
        clauses.append(self.model.accession_id.asc())
        return clauses

    def select(self, filters: Mapping[str, Any] | None = None) -> Select[Any]:
        statement = select(self.model).where(*self.where(filters))
        if self.eager:
            statement = statement.options(*self.eager).execution_options(populate_existing=True)
        return statement

    # -- reads ------------------------------------------------------------------------------------
    async def get_or_none(self, id: uuid.UUID) -> ModelT | None:
        return (await self.session.scalars(self.select({"accession_id": id}))).one_or_none()

    async def get(self, id: uuid.UUID) -> ModelT:
        found = await self.get_or_none(id)
        if found is None:
            raise NotFoundError(
                f"{self.entity} {id} not found", entity=self.entity, field="accession_id", value=id
            )
        return found

    async def get_for_update(self, id: uuid.UUID) -> ModelT:
        """``get`` with a row lock held until the transaction ends: the way to serialise two writers
        that must not both pass the same check.

        ``FOR NO KEY UPDATE`` rather than ``FOR UPDATE``: it excludes the other writers that lock the
        row the same way, but not the inserts of rows that merely refer to it (their foreign-key check
        takes ``FOR KEY SHARE``), so a run being started does not hold up outputs recorded elsewhere.
        """
        statement = (
            self.select({"accession_id": id})
            .with_for_update(of=self.model, key_share=True)
            .execution_options(populate_existing=True)  # the row as it is once locked, not as cached
        )
        found = (await self.session.scalars(statement)).one_or_none()
        if found is None:
            raise NotFoundError(
                f"{self.entity} {id} not found", entity=self.entity, field="accession_id", value=id
            )
        return found

    async def get_by(self, **filters: Any) -> ModelT | None:
        """The first row matching ``filters`` (in id order), or None."""
        statement = self.select(filters).order_by(*self.order(None)).limit(1)
        return (await self.session.scalars(statement)).first()

    async def list(
        self,
        filters: Mapping[str, Any] | None = None,
        *,
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[ModelT]:
        statement = self.select(filters).order_by(*self.order(order_by)).limit(limit).offset(offset)
        return list((await self.session.scalars(statement)).all())

    async def count(self, **filters: Any) -> int:
        statement = select(func.count()).select_from(self.model).where(*self.where(filters))
        return int(await self.session.scalar(statement) or 0)

    async def exists(self, **filters: Any) -> bool:
        statement = select(true()).select_from(self.model).where(*self.where(filters)).limit(1)
        return bool(await self.session.scalar(statement))

    # -- writes -----------------------------------------------------------------------------------
    def new(self, **values: Any) -> ModelT:
        """An unsaved instance, refusing names the model does not have (instead of a TypeError)."""
        unknown = set(values) - set(self.columns()) - set(self.model.__mapper__.relationships.keys())
        if unknown:
            name = sorted(unknown)[0]
            raise InvalidValueError(f"{self.entity} has no field {name!r}", entity=self.entity, field=name)
        # Columns with no default are set to None explicitly: an attribute left unloaded would need a
        # lazy load on first access, which an AsyncSession cannot do implicitly.
        for column in self.model.__table__.c:
            if column.key not in values and column.default is None and column.server_default is None:
                values[column.key] = None
        # A new row has no children yet: say so, rather than leave the collection unloaded.
        for name, relationship in self.model.__mapper__.relationships.items():
            if relationship.uselist and name not in values:
                values[name] = []
        return self.model(**values)  # type: ignore[return-value]

    @asynccontextmanager
    async def writing(self, *touched: Entity, deleting: bool = False) -> AsyncIterator[None]:
        """A SAVEPOINT around a write; every repository write goes through here.

        Change objects *inside* the block: it is flushed in the SAVEPOINT, so a refusal by the
        database rolls back only this write, becomes one of the project's exceptions, and leaves the
        session usable. Objects changed in the block and already stored (``touched``) are reloaded
        after a refusal, so they stay readable (the rollback expires them, and an expired attribute
        would need an implicit load, which an AsyncSession cannot do).
        """
        try:
            with translated(self.entity, deleting=deleting):
                async with self.session.begin_nested():
                    yield
        except PraxisError:
            for obj in touched:
                if inspect(obj).persistent:
                    await self._reload_or_gone(obj)
            raise

    async def _reload_or_gone(self, obj: Entity) -> None:
        """Reload ``obj`` after a refused write; NotFoundError if its row is gone meanwhile.

        A write that matched no row (SQLAlchemy's stale-data refusal) may have lost a race with a
        DELETE committed while it waited for the row's lock: for the client that row does not exist,
        which is a 404, not a conflict to retry and not a failed reload (500)."""
        entity = obj.__tablename__
        [id] = inspect(obj).identity or (None,)  # the key, readable though the rollback expired obj
        model = type(obj)
        if not await self.session.scalar(select(true()).select_from(model).where(model.accession_id == id)):
            self.session.expunge(obj)
            raise NotFoundError(
                f"{entity} {id} not found (deleted meanwhile)", entity=entity, field="accession_id", value=id
            )
        await self.session.refresh(obj)

    async def save(self, *objects: Entity) -> None:
        """Insert new ``objects`` (and what cascades from them) in one SAVEPOINT.

        To change stored objects use ``update`` (or ``writing``): a change made before the SAVEPOINT
        opens would be flushed outside it.
        """
        async with self.writing(*objects):
            self.session.add_all(objects)

    async def create(self, **values: Any) -> ModelT:
        obj = self.new(**values)
        await self.save(obj)
        return obj

    async def create_many(self, rows: Iterable[Mapping[str, Any]]) -> builtins.list[ModelT]:
        """Insert every row in one statement (see ``bulk_insert``); the rows come back as objects."""
        rows = list(rows)
        if not rows:
            return []
        async with self.writing():
            result = await self.session.scalars(bulk_insert(self.model, rows))
            return list(result.all())  # type: ignore[arg-type]

    async def insert_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert every row in one batched statement, reading nothing back: for rows written by the
        thousand (a run's call log and outputs), where ``create_many``'s objects would go unused."""
        rows = [{"accession_id": new_id(), **row} for row in rows]
        if rows:
            # one multi-row INSERT per page (not the driver's executemany, a statement per row): a
            # statement-level trigger (the run events of migration 0005) sees the whole batch at once
            page = max(1, _MAX_PARAMETERS // len(rows[0]))
            async with self.writing():
                for start in range(0, len(rows), page):
                    await self.session.execute(
                        insert(self.model.__table__).values(rows[start : start + page])
                    )

    async def update_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Change many rows by primary key (each row: ``accession_id`` and the changed columns), batched."""
        rows = list(rows)
        if rows:
            async with self.writing():
                await self.session.execute(update(self.model), rows)

    def _default(self, key: str) -> Any:
        return column_default(self.model, key)

    async def update(
        self, id_or_obj: uuid.UUID | ModelT, *, expected_version: int | None = None, **changes: Any
    ) -> ModelT:
        """Apply ``changes``; with ``expected_version``, refuse (409) if the row moved on since it was read."""
        obj = id_or_obj if isinstance(id_or_obj, Entity) else await self.get(id_or_obj)
        for name in changes:
            self._column(name)
        if expected_version is not None and getattr(obj, "version", expected_version) != expected_version:
            raise ConflictError(
                f"{self.entity} {obj.accession_id} is at version {obj.version}, not {expected_version}; "  # type: ignore[attr-defined]
                "reload it and try again",
                entity=self.entity,
                field="version",
            )
        async with self.writing(obj):
            for name, value in changes.items():
                setattr(obj, name, value)
        return obj  # type: ignore[return-value]

    async def delete(self, id: uuid.UUID) -> None:
        """Delete by id in one statement; NotFoundError if absent, ConflictError if still referenced."""
        statement = delete(self.model).where(self.model.accession_id == id).returning(self.model.accession_id)
        async with self.writing(deleting=True):
            deleted = (await self.session.execute(statement)).scalar_one_or_none()
        if deleted is None:
            raise NotFoundError(
                f"{self.entity} {id} not found", entity=self.entity, field="accession_id", value=id
            )
        stale = self.session.identity_map.get(self.model.__mapper__.identity_key_from_primary_key((id,)))
        if stale is not None:
            self.session.expunge(stale)
