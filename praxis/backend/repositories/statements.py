"""Statements built from a model alone, with no session: filter operators, defaults, bulk inserts.

``Repository`` runs them; they live apart so that the SQL a repository sends can be read (and
tested) without the session handling around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.schema import ColumnDefault
from sqlalchemy.sql.selectable import ExecutableReturnsRows

from praxis.backend.db.base import Entity
from praxis.backend.errors import InvalidValueError

#: the operators of ``field__op=value`` filters
OPERATORS = {
    "eq": lambda column, value: column.is_(None) if value is None else column == value,
    "ne": lambda column, value: column.is_not(None) if value is None else column != value,
    "in": lambda column, value: column.in_(list(value)),
    "lt": lambda column, value: column < value,
    "lte": lambda column, value: column <= value,
    "gt": lambda column, value: column > value,
    "gte": lambda column, value: column >= value,
    "contains": lambda column, value: column.icontains(value, autoescape=True),
    "isnull": lambda column, value: column.is_(None) if value else column.is_not(None),
}


def column_default(model: type[Entity], key: str) -> Any:
    """The client-side default of a column: a value, a zero-argument callable, or None."""
    default = model.__table__.c[key].default
    if not isinstance(default, ColumnDefault):
        return None
    if default.is_callable:
        return lambda: default.arg(None)
    return default.arg


def bulk_insert(model: type[Entity], rows: Sequence[Mapping[str, Any]]) -> ExecutableReturnsRows:
    """``INSERT ... SELECT FROM unnest($1::type[], $2::type[], ...) RETURNING``, as an ORM select.

    One array parameter per column instead of one parameter per value: a single round trip for any
    number of rows, never limited by the 32,767 parameters a statement may carry. Columns with a
    client-side default (the UUIDv7 id, enum defaults) are sent for every row; the others fall back
    to their server defaults.
    """
    table = model.__table__
    keys: set[str] = set()
    for row in rows:
        keys.update(row)
    unknown = keys - set(table.c.keys())
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidValueError(f"{table.name} has no field {name!r}", entity=table.name, field=name)
    keys.update(c.key for c in table.c if c.default is not None)
    ordered = [c.key for c in table.c if c.key in keys]

    arrays: dict[str, list[Any]] = {}
    for key in ordered:
        default = column_default(model, key)
        values = [row.get(key, default) for row in rows]
        arrays[key] = [value() if callable(value) else value for value in values]
    incoming = (
        func.unnest(
            *[
                bindparam(f"rows_{key}", arrays[key], type_=ARRAY(table.c[key].type, dimensions=1))
                for key in ordered
            ]
        )
        .table_valued(*ordered)
        .render_derived(name="incoming")
    )
    insert_rows = insert(table).from_select(ordered, select(*[incoming.c[key] for key in ordered]))
    return select(model).from_statement(insert_rows.returning(*table.c))
