"""What a failing database test wrote: a report section, and on request a database to inspect.

The test's rows exist only in its transaction, which the ``db_session`` fixture rolls back in its
teardown, and teardown runs after pytest has made (and, under xdist, already sent) the report of the
test's call. So the rows are read in ``pytest_runtest_makereport`` itself, for a failed setup or call
only: ``db_session`` leaves its session and the event loop in the item's stash (``remember``), and the
hook runs the reading on that loop, which is idle between a test's phases (pytest-asyncio runs each
fixture and test on it with ``run_until_complete`` too). A passing test costs one stash assignment.

With ``--praxis-keep-failed`` the same rows are also copied, before the rollback, into
``praxis_test_failed_<test>_<hash>`` (``kept_database_name``; in the ``praxis_kept_namespace``, if
the run has one): created from the migrated template,
then filled table by table, parents first, by binary ``COPY`` out of the test's open transaction and
into the new database. The section ends with the ``psql`` command that opens it.
"""

from __future__ import annotations

import asyncio
import io
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Table, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

import praxis.backend.models.orm  # noqa: F401 - every table on the metadata
from praxis.backend.db.base import Base
from tests.harness.harness import Harness
from tests.harness.names import kept_database_name, quote
from tests.harness.server import TestServer

KEEP_OPTION = "--praxis-keep-failed"
SECTION = "praxis: rows the test wrote (read before its rollback)"
ROWS_SHOWN = 10
COLUMNS_SHOWN = 5
VALUE_WIDTH = 40


@dataclass(frozen=True)
class Keeper:
    """Where a failed test's rows are kept: the process's harness, and the namespace of their names."""

    harness: Harness
    namespace: str = ""


@dataclass(frozen=True)
class FailureContext:
    """What the hook needs to read a failed test's transaction: its session and the loop it runs on;
    where to keep the test's data, when it is to be kept."""

    loop: asyncio.AbstractEventLoop
    session: AsyncSession
    keeper: Keeper | None


FAILURE_CONTEXT = pytest.StashKey[FailureContext]()


def remember(node: pytest.Item, session: AsyncSession, keeper: Keeper | None) -> None:
    """Called by ``db_session`` at set-up: all a passing test pays."""
    node.stash[FAILURE_CONTEXT] = FailureContext(asyncio.get_running_loop(), session, keeper)


def add_section(item: pytest.Item, report: pytest.TestReport) -> None:
    """For a failed setup or call of a test that has a ``db_session``: its rows under the failure."""
    if not report.failed or report.when == "teardown":
        return
    context = item.stash.get(FAILURE_CONTEXT, None)
    if context is None:
        return
    if context.loop.is_running() or context.loop.is_closed():
        report.sections.append((SECTION, "not read: the test's event loop is not idle"))
        return
    report.sections.append((SECTION, context.loop.run_until_complete(describe(context, item.nodeid))))


async def describe(context: FailureContext, nodeid: str) -> str:
    """The section's text; any error in reading is reported in it, never raised into pytest."""
    connection = context.session.bind
    if not isinstance(connection, AsyncConnection):
        return "not read: the test's session is not bound to its connection"
    try:
        counts = await count_rows(connection)
        lines = [render_counts(counts)]
        for table in tables():
            if counts.get(table.name):
                lines.append(await render_rows(connection, table, counts[table.name]))
    except Exception as exc:  # an aborted transaction, a closed connection: say so under the failure
        return (
            f"not read: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}\n"
            "(a statement failed and its transaction was not rolled back to a SAVEPOINT, so PostgreSQL "
            "refuses every read until the rollback)"
        )
    if context.keeper is not None:
        lines.append(await keep_rows(connection, context.keeper, nodeid, counts))
    return "\n\n".join(lines)


def tables() -> Sequence[Table]:
    """Every application table, parents before children (the order rows can be inserted in)."""
    return Base.metadata.sorted_tables


async def count_rows(connection: AsyncConnection) -> dict[str, int]:
    """Rows per table as the test's transaction sees them, in one statement."""
    union = " UNION ALL ".join(
        f"SELECT '{table.name}' AS name, count(*) AS rows FROM {quote(table.name)}" for table in tables()
    )
    result = await connection.execute(text(union))
    return {name: rows for name, rows in result.all()}


def render_counts(counts: dict[str, int]) -> str:
    written = {name: rows for name, rows in counts.items() if rows}
    if not written:
        return "no rows in any table"
    listed = ", ".join(f"{name} {rows}" for name, rows in written.items())
    tables = "1 table" if len(written) == 1 else f"{len(written)} tables"
    return f"{_rows(sum(written.values()))} in {tables}: {listed}"


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"


def shown_columns(table: Table) -> list[str]:
    """A few columns that tell rows apart: the key, a name, a status, then the foreign keys."""
    columns = [column.name for column in table.columns]
    preferred = ["accession_id", "name", "function_name", "sequence", "status"]
    chosen = [name for name in preferred if name in columns]
    chosen += [column.name for column in table.columns if column.foreign_keys and column.name not in chosen]
    return chosen[:COLUMNS_SHOWN]


async def render_rows(connection: AsyncConnection, table: Table, count: int) -> str:
    """The first rows of ``table`` (in key order: UUIDv7 keys follow creation) as an aligned table."""
    columns = shown_columns(table)
    result = await connection.execute(
        text(
            f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table.name)}"
            f" ORDER BY {', '.join(quote(c.name) for c in table.primary_key.columns)} LIMIT {ROWS_SHOWN}"
        )
    )
    rows = [[_cell(value) for value in row] for row in result.all()]
    widths = [max(len(cell) for cell in column) for column in zip(columns, *rows, strict=False)]
    lines = [f"{table.name} ({_rows(count)}{f', first {ROWS_SHOWN}' if count > ROWS_SHOWN else ''})"]
    for cells in [columns, *rows]:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: Any) -> str:
    shown = "NULL" if value is None else str(getattr(value, "value", value))
    return shown if len(shown) <= VALUE_WIDTH else shown[: VALUE_WIDTH - 3] + "..."


async def keep_rows(connection: AsyncConnection, keeper: Keeper, nodeid: str, counts: dict[str, int]) -> str:
    """Copy the test's rows into its kept database; the lines saying where it is and how to open it."""
    server = keeper.harness.server
    name = kept_database_name(nodeid, keeper.namespace)
    try:
        await keeper.harness.create_kept(name)
        source = (await connection.get_raw_connection()).driver_connection
        assert source is not None, "the test's connection is closed"
        target = await asyncpg.connect(server.dsn_for(name))
        try:
            for table in tables():
                if counts.get(table.name):
                    data = io.BytesIO()
                    await source.copy_from_table(table.name, output=data, format="binary")
                    data.seek(0)
                    await target.copy_to_table(table.name, source=data, format="binary")
        finally:
            await target.close()
    except Exception as exc:
        return f"not kept in {name}: {type(exc).__name__}: {exc}"
    drop = "python -m tests.harness.kept --drop" + (
        f" --namespace {keeper.namespace}" if keeper.namespace else ""
    )
    return f"kept in the database {name} (until `{drop}`):\n  {psql_command(server, name)}"


def psql_command(server: TestServer, database: str) -> str:
    """``psql`` with a libpq connection string: it covers a socket directory as well as a host."""
    url = make_url(server.url_for(database))
    host = url.query.get("host") or url.host
    parts = {
        "host": host if isinstance(host, str) else None,
        "port": str(url.port) if url.port else None,
        "user": url.username,
        "dbname": database,
    }
    conninfo = " ".join(f"{key}={value}" for key, value in parts.items() if value)
    return f"psql {shlex.quote(conninfo)}"
