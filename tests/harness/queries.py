"""Counting the SQL statements a block of test code sends (like Django's ``assertNumQueries``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, event


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def kinds(self) -> list[str]:
        """The first word of each statement: ``["SAVEPOINT", "INSERT", ..., "RELEASE"]``."""
        return [statement.split(None, 1)[0].upper() for statement in self.statements]


@contextmanager
def counting(connection: Connection) -> Iterator[QueryLog]:
    """Record every statement ``connection`` sends to the server while the block runs.

    An ``executemany`` counts once: it is one call to the driver, which is what costs a round trip.
    """
    log = QueryLog()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        log.statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(connection, "before_cursor_execute", record)
