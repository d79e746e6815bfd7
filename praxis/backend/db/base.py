"""The one declarative base every ORM model derives from.

The naming convention gives every constraint and index a predictable name, so Alembic migrations are
stable and a database error can be traced back to the entity and field it concerns.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Enum, MetaData, Table, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from uuid_utils.compat import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: ``Column.info`` key: the column's name in the API, where it differs from the column's own (a deck's
#: ``parent_machine_id`` is its ``machine_id``). Services rename with it, and database errors name
#: fields with it, so a field has one name wherever a client meets it.
API_NAME = "api_name"


def api_name(table: Table, column: str) -> str:
    """The API's name for ``table.column``."""
    return str(table.c[column].info.get(API_NAME, column)) if column in table.c else column


def api_renames(model: type[Any]) -> dict[str, str]:
    """API name -> attribute, for the columns of ``model`` the API names otherwise."""
    return {str(c.info[API_NAME]): str(c.key) for c in model.__table__.c if API_NAME in c.info}


def new_id() -> uuid.UUID:
    """UUIDv7: time-ordered, so primary-key inserts append to the index instead of scattering."""
    return uuid7()


class Base(AsyncAttrs, DeclarativeBase):
    """``AsyncAttrs``: ``await obj.awaitable_attrs.name`` loads an expired attribute explicitly, where a
    plain read would need the implicit load an AsyncSession cannot do (``MissingGreenlet``)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        uuid.UUID: UUID(as_uuid=True),
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
    }


class Entity(Base):
    """Abstract base of every aggregate table: UUIDv7 key and database-side timestamps.

    ``statement_timestamp()`` rather than ``now()``: inside one transaction (a test, a request) ``now()``
    never moves, so an update would not change ``updated_at``.
    """

    __abstract__ = True
    __mapper_args__ = {"eager_defaults": True}
    # every entity maps one plain table (no joined-table inheritance): SQLAlchemy types it as any
    # FromClause, for the mappings Praxis does not use
    __table__: ClassVar[Table]  # pyright: ignore[reportIncompatibleVariableOverride]

    accession_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-1)
    created_at: Mapped[datetime] = mapped_column(server_default=func.statement_timestamp(), sort_order=100)
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.statement_timestamp(), onupdate=func.statement_timestamp(), sort_order=100
    )


class Versioned:
    """Optimistic concurrency for aggregates that people edit: every UPDATE checks and bumps ``version``."""

    version: Mapped[int] = mapped_column(server_default="1", sort_order=99)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"eager_defaults": True, "version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def enum_column(enum_type: type[enum.Enum], name: str) -> Enum:
    """A Python enum stored as VARCHAR with a CHECK constraint named after its column.

    VARCHAR + CHECK instead of a native PostgreSQL ENUM: adding a member is a one-line migration that
    needs no ``ALTER TYPE`` outside a transaction.
    """
    return Enum(
        enum_type,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
