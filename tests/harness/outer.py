"""The outer transaction a test runs in, and the check, when the test ends, that it still is.

Everything a test writes is undone by rolling back one transaction the harness opens on the test's
connection. A test that ends that transaction itself (``session.execute(text("COMMIT"))``, the raw
connection's ``commit()``) would pass while its rows, and every row it writes afterwards (each
statement is then a transaction of its own), stay in the worker's database for the next test to trip
over. A test that leaves a task running on its session (an ``asyncio.gather`` one of whose calls
failed) would leave the connection mid-statement while the harness rolls it back, and the pool would
hand it, still in a transaction, to the next test.

So when the test's transaction opens, the harness records what identifies it without asking the
server: the driver's own transaction object, and which tasks were already running. When the test ends
it compares, still without a round trip (the server reports the connection's transaction status with
every reply, and asyncpg keeps it): the same transaction object, the connection still inside a
transaction, no statement under way. A test that fails the check fails (``plugin.py`` turns its
report into a failure naming what happened); its leftover tasks are cancelled, its connection is
invalidated (the pool opens a new one), and the rows it committed are deleted, so the next test starts
as every test does. The check cannot see a ``COMMIT`` followed by a ``BEGIN`` sent as SQL: the
connection is then in a transaction of the same driver object; the rows are still caught by the
end-of-run check.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

import praxis.backend.models.orm  # noqa: F401 - every table on the metadata
from praxis.backend.db.base import Base
from tests.harness.errors import HarnessError
from tests.harness.names import quote

#: where a test's session keeps the record of its outer transaction (``AsyncSession.info``)
OUTER_KEY = "praxis_outer_transaction"
#: the record, in the item's stash, for the report hook
OUTER = pytest.StashKey["OuterTransaction"]()
#: set in the item's stash once a report of the test failed: its teardown then adds no error of its own
REPORTED = pytest.StashKey[bool]()
OUTER_SECTION = "praxis: the test did not end where it began"
#: how long the harness waits for a cancelled leftover task to finish unwinding
SETTLE_SECONDS = 10.0


class TestEndedBadlyError(HarnessError, AssertionError):
    """A test ended its outer transaction or left its connection mid-operation; the harness put the
    worker's database and connection back, and fails the test with what happened."""

    __test__ = False  # not a test class, whatever pytest's collection thinks of the name


@dataclass(eq=False)
class OuterTransaction:
    """What identifies a test's outer transaction, recorded when it opens."""

    connection: AsyncConnection
    transaction: AsyncTransaction
    #: the driver adapter (SQLAlchemy's asyncpg connection) and its transaction object at the start
    adapter: Any
    driver_transaction: Any
    loop: asyncio.AbstractEventLoop
    #: tasks already running when the test's transaction opened: never the test's to settle
    tasks_before: set[asyncio.Task[Any]]
    #: what the end of the test found (set by ``end``)
    problems: list[str] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=dict)

    @classmethod
    async def record(cls, connection: AsyncConnection, transaction: AsyncTransaction) -> OuterTransaction:
        """Called once the transaction has begun on the server (a statement was sent in it)."""
        fairy = await connection.get_raw_connection()
        adapter = fairy.dbapi_connection
        return cls(
            connection,
            transaction,
            adapter,
            getattr(adapter, "_transaction", None),
            asyncio.get_running_loop(),
            set(asyncio.all_tasks()),
        )

    # -- the check: no round trip ----------------------------------------------------------------------
    def check(self) -> list[str]:
        """What is wrong with the outer transaction or its connection now; empty if nothing is."""
        if self.closed():
            # A cancelled statement (asyncio.wait_for) makes SQLAlchemy close the connection: its
            # transaction died with it, committing nothing. The pool replaces it; nothing to report.
            return []
        driver = self.adapter._connection
        if not self.transaction.is_active:
            return [
                "the outer transaction was committed or rolled back through the test's connection "
                "(connection.commit() or rollback()); what the test wrote from then on was committed"
            ]
        if getattr(self.adapter, "_transaction", None) is not self.driver_transaction:
            return [
                "the outer transaction was ended through the raw driver connection (its commit() or "
                "rollback()); what the test wrote from then on was committed"
            ]
        if not driver.is_in_transaction():
            return [
                "the outer transaction was ended by a COMMIT or ROLLBACK sent as SQL "
                '(session.execute(text("COMMIT"))); what the test wrote before a COMMIT, and every '
                "statement after it, was committed"
            ]
        return []

    def closed(self) -> bool:
        driver = getattr(self.adapter, "_connection", None)
        return driver is None or bool(driver.is_closed())

    def busy(self) -> bool:
        """Whether a statement is under way on the connection (the driver adapter holds its lock)."""
        mutex = getattr(self.adapter, "_execute_mutex", None)
        return mutex is not None and mutex.locked()

    def ended(self) -> bool:
        """Whether the problems found include the outer transaction's end (rows may be committed)."""
        return any("outer transaction was" in problem for problem in self.problems)

    def found_now(self) -> bool:
        """For the report of the test's call: check now, and keep what was found for ``message``."""
        self.problems = self.check()
        return bool(self.problems)

    # -- what the test left running ----------------------------------------------------------------------
    def leftover_tasks(self) -> list[asyncio.Task[Any]]:
        current = asyncio.current_task()
        return [
            task
            for task in asyncio.all_tasks(self.loop)
            if task not in self.tasks_before and task is not current and not task.done()
        ]

    async def settle(self) -> list[str]:
        """Cancel the tasks the test started and left running (the other half of a failed
        ``asyncio.gather``, say) and let them unwind: the connection is then the harness's again."""
        leftovers = self.leftover_tasks()
        for task in leftovers:
            task.cancel()
        if leftovers:
            await asyncio.wait(leftovers, timeout=SETTLE_SECONDS)
        return [task.get_name() for task in leftovers]

    # -- the end ---------------------------------------------------------------------------------------
    async def end(self) -> None:
        """Settle, check, roll back; if anything was wrong, a new connection and no committed rows."""
        await self._settle_and_check()
        failure = await self._roll_back()
        if failure is not None:
            self.problems.append(
                f"the test's connection was left mid-operation and could not be rolled back ({failure})"
            )
        if self.problems or self.closed():
            await self._repair()

    async def end_in_scope(self) -> bool:
        """For a test in a module's (class's) data, whose outer transaction is the module's and stays
        open after it: settle and check; if anything was wrong, the module's connection is replaced
        and its committed rows deleted (the module's data is then gone). Whether it was."""
        await self._settle_and_check()
        if not self.problems:
            return False
        await self._repair()
        return True

    async def _settle_and_check(self) -> None:
        await self.settle()
        self.problems = self.check()
        if self.busy():
            self.problems.append("the test's connection was left mid-statement (a task still running on it)")

    async def _repair(self) -> None:
        with contextlib.suppress(Exception):
            await self.connection.invalidate()  # the pool opens a fresh connection for the next test
        if self.ended():
            self.removed = await remove_committed_rows(self.connection.engine)

    async def _roll_back(self) -> str | None:
        """Roll the outer transaction back; what failed, unless the connection is closed (its
        transaction ended with it on the server)."""
        try:
            if self.transaction.is_active:
                await self.transaction.rollback()
        except Exception as exc:
            if not self.closed():
                first = str(exc).splitlines()[0] if str(exc) else ""
                return f"{type(exc).__name__}: {first}"
        return None

    def message(self, nodeid: str) -> str:
        """The failure of the test that did it, and how to avoid it."""
        lines = [f"{nodeid} did not end where it began:"]
        lines += [f"  - {problem}" for problem in self.problems]
        if self.removed:
            listed = ", ".join(f"{name} {rows}" for name, rows in self.removed.items())
            lines.append(f"  rows it left committed in the worker's database were deleted: {listed}")
        elif self.ended():
            lines.append(
                "  the rows it committed are deleted before the next test (the next test is not affected)"
            )
        lines.append(
            "The harness rolls back one outer transaction per test; session.commit() is safe (it releases "
            "a SAVEPOINT), a COMMIT sent as SQL or through the raw connection is not. A test that needs "
            'real commits uses committed_database (TESTING_PATTERNS.md, "When a test misbehaves").'
        )
        return "\n".join(lines)


async def remove_committed_rows(engine: AsyncEngine) -> dict[str, int]:
    """Delete every application row committed in the worker's database (there are none but a
    misbehaving test's): children first, on a connection of its own. Rows of an open module's data
    are uncommitted, so neither seen nor touched."""
    tables = Base.metadata.sorted_tables
    async with engine.begin() as connection:
        union = " UNION ALL ".join(
            f"SELECT '{table.name}' AS name, count(*) AS rows FROM {quote(table.name)}" for table in tables
        )
        counts = {name: rows for name, rows in (await connection.execute(text(union))).all() if rows}
        for table in reversed(tables):
            if counts.get(table.name):
                await connection.execute(text(f"DELETE FROM {quote(table.name)}"))
    return counts
