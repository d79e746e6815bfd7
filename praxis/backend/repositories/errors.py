"""Turning PostgreSQL errors into the project's exceptions, naming entity and field.

Constraint names follow the naming convention of ``praxis.backend.db.base``, so the constraint a
server error names leads back, through ``Base.metadata``, to the table and columns it guards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from praxis.backend.db.base import api_name
from praxis.backend.errors import ConflictError, InvalidReferenceError, InvalidValueError, PraxisError
from praxis.backend.models.orm import Base

UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"
NOT_NULL_VIOLATION = "23502"
CHECK_VIOLATION = "23514"
RESTRICT_VIOLATION = "23001"


@dataclass(frozen=True)
class ConstraintInfo:
    """A constraint's table, and its columns by the names the API gives them."""

    table: str
    columns: tuple[str, ...]
    referred_table: str | None = None


@cache
def constraints() -> dict[str, ConstraintInfo]:
    found: dict[str, ConstraintInfo] = {}
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            name = str(constraint.name) if constraint.name else None
            if not name:
                continue
            if isinstance(constraint, ForeignKeyConstraint):
                columns = tuple(api_name(table, key) for key in constraint.column_keys)
                found[name] = ConstraintInfo(table.name, columns, constraint.referred_table.name)
            elif isinstance(constraint, UniqueConstraint | CheckConstraint | PrimaryKeyConstraint):
                columns = tuple(api_name(table, c.name) for c in constraint.columns)
                if not columns:  # enum checks are named ck_<table>_<column>
                    columns = (name.removeprefix(f"ck_{table.name}_"),)
                found[name] = ConstraintInfo(table.name, columns)
    return found


def translate(error: DBAPIError, *, entity: str, deleting: bool = False) -> PraxisError | None:
    """The project exception for a driver error, or None when it is not about the data."""
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    cause = getattr(orig, "__cause__", None)
    constraint_name = getattr(cause, "constraint_name", None)
    column_name = getattr(cause, "column_name", None)
    table_name = getattr(cause, "table_name", None) or entity
    info = constraints().get(constraint_name or "")
    if info is not None:
        field: str | None = ", ".join(info.columns)
    elif column_name and table_name in Base.metadata.tables:
        field = api_name(Base.metadata.tables[table_name], column_name)
    else:
        field = column_name

    # Messages are Praxis's own words: the server's detail (``Key (name)=(...) already exists``), the
    # SQL and the driver's text stay in the log, out of the API's answers.
    if sqlstate == UNIQUE_VIOLATION:
        taken = _taken_values(getattr(cause, "detail", None))
        what = f"{field} {taken}" if taken else f"this {field}"
        return ConflictError(f"a {table_name} with {what} already exists", entity=table_name, field=field)
    if sqlstate in {FOREIGN_KEY_VIOLATION, RESTRICT_VIOLATION}:
        if deleting and info is not None:
            return ConflictError(
                f"the {entity} is still referenced by {info.table}.{field}; remove or reassign those first",
                entity=entity,
                field=f"{info.table}.{field}",
            )
        referred = info.referred_table if info else "entity"
        return InvalidReferenceError(
            f"{table_name}.{field} refers to a {referred} that does not exist", entity=table_name, field=field
        )
    if sqlstate == NOT_NULL_VIOLATION:
        return InvalidValueError(f"{table_name}.{field} is required", entity=table_name, field=field)
    if sqlstate == CHECK_VIOLATION:
        return InvalidValueError(
            f"{table_name}.{field} has a value the schema does not allow", entity=table_name, field=field
        )
    if sqlstate is not None and sqlstate.startswith("22"):  # data exception: too long, out of range, ...
        where = f"{entity}.{column_name}" if column_name else entity
        return InvalidValueError(
            f"{where}: a value is outside what the database can store", entity=entity, field=column_name
        )
    if sqlstate is None and "query argument" in str(orig):
        # the driver refused to encode a parameter (a time outside its range, say) before sending it
        return InvalidValueError(f"{entity}: a value is outside what the database can store", entity=entity)
    return None


_KEY_DETAIL = re.compile(r"^Key \((?P<columns>.*)\)=\((?P<values>.*)\) already exists\.$", re.S)


def _taken_values(detail: str | None) -> str | None:
    """The client's own values from the server's ``Key (name)=(bay-1) already exists.``, quoted in
    Praxis's words (``'bay-1'``); None when the detail is not in that form."""
    match = _KEY_DETAIL.match(detail or "")
    if match is None:
        return None
    return ", ".join(repr(value) for value in match["values"].split(", "))


@contextmanager
def translated(entity: str, *, deleting: bool = False) -> Iterator[None]:
    try:
        yield
    except DBAPIError as error:
        mapped = translate(error, entity=entity, deleting=deleting)
        if mapped is None:
            raise
        raise mapped from error
    except StaleDataError as error:
        raise ConflictError(
            f"the {entity} was changed by someone else; reload it and try again",
            entity=entity,
            field="version",
        ) from error
