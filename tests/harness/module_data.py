"""Data built once per module (or class) and each test rolled back to it: Django's ``setUpTestData``.

The design, one level per pytest scope, all on one connection:

* **module**: ``module_repos`` checks a connection out of the worker's pool, opens the outer
  transaction (never committed) and a session on it whose identity map lives as long as the module.
  The module's own fixtures build their rows through it; the objects they return belong to it.
* **class** (``class_repos``): a SAVEPOINT on the module's connection and a session of its own, rolled
  back when the class ends. It always nests in the module's level (an empty module level costs a
  pooled connection and a BEGIN).
* **test**: a SAVEPOINT on the same connection, opened before any function-scoped fixture and rolled
  back after the last one. The test's ``db_session`` (so ``repos``, ``repositories``, ``client``) is
  bound to that connection inside it: it sees the module's rows, and whatever it writes, requests'
  commits included (they only release SAVEPOINTs beneath it), is rolled back to the module's state.

A test is in a module's data exactly when its fixture closure holds ``module_repos`` or
``class_repos``, usually through the module's own fixture (``lab`` below): visibility is decided by
what the test asks for, never by which tests happened to run before it on the worker.
``pytest_collection_modifyitems`` inserts ``TEST_FIXTURE`` ahead of such a test's function-scoped
fixtures, so a function fixture that writes is already inside the test's SAVEPOINT. Other tests keep
their own connection and transaction: their closure is untouched and they pay nothing.

Why the module's objects stay usable in every test: they live in the module's session, which no test
statement goes through. Each test has its own session (its reads make objects of its own, with
``populate_existing``), so nothing a test does expires, refreshes or changes the module's objects in
Python, and after the rollback they match the rows again. To keep it so, the module's (and class's)
session refuses statements while a test or a nested level is open (``DataScopeSealedError``: writes
there would be rolled back at the test's end while its identity map kept them), and a test that
changes a module object in Python is failed at teardown with the object restored from the rows.

A test that ends the module's outer transaction (a ``COMMIT`` sent as SQL) fails as any test does that
ends its own (``outer.py``); the module's data went with the transaction, so its committed rows are
deleted and the module's remaining tests error at set-up, naming that test (``DataScopeLostError``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, AsyncTransaction
from sqlalchemy.orm import Session

from praxis.backend.repositories import Repositories
from tests.builders import Builders
from tests.harness.errors import HarnessError
from tests.harness.outer import OUTER_KEY, OuterTransaction
from tests.harness.session import isolated_session, joined_session

#: the fixtures whose use puts a test into a data scope
MODULE_FIXTURE = "module_repos"
CLASS_FIXTURE = "class_repos"
#: the function-scoped fixture that opens a test's SAVEPOINT in its scope (inserted at collection)
TEST_FIXTURE = "praxis_data_scope_test"
#: how many module scopes this process has open (0 or 1: pytest ends a module's before the next's)
open_scopes = 0
#: how long a test outside the module's data may wait for a row lock (see ``bound_lock_waits``)
LOCK_TIMEOUT = "10s"


class DataScopeSealedError(HarnessError):
    """The module's (or class's) builders were used while a test or a nested scope was running."""


class ModuleObjectChangedError(HarnessError, AssertionError):
    """A test changed an object of the module's (or class's) data in Python."""


class DataScopeLostError(HarnessError):
    """An earlier test of the module ended the module's outer transaction: its data is gone."""


@dataclass(eq=False)
class DataScope:
    """One level of shared data: the connection it lives on, and the session its objects belong to."""

    name: str
    connection: AsyncConnection
    session: AsyncSession
    parent: DataScope | None = None
    #: how many tests or nested scopes are open inside this one; statements are refused while > 0
    sealed: int = field(default=0)
    #: the module's outer transaction (on the module's scope only)
    transaction: AsyncTransaction | None = None
    #: why the module's data is gone, once a test ended its outer transaction (module's scope only)
    lost: str | None = None

    def root(self) -> DataScope:
        """The module's scope, which every class's nests in."""
        return self.chain()[-1]

    def chain(self) -> list[DataScope]:
        """This scope and every scope it nests in, innermost first."""
        scopes: list[DataScope] = []
        scope: DataScope | None = self
        while scope is not None:
            scopes.append(scope)
            scope = scope.parent
        return scopes

    def seal(self) -> None:
        for scope in self.chain():
            scope.sealed += 1

    def unseal(self) -> None:
        for scope in self.chain():
            scope.sealed -= 1

    def refuse_while_sealed(self, *_: Any) -> None:
        """Listener of the scope's session: no statement while a test or a nested scope is open."""
        if self.sealed:
            raise DataScopeSealedError(
                f"{self.name}_repos builds the {self.name}'s data in its fixtures; inside a test (or a "
                f"nested class's data) use repos instead: its writes are rolled back to the "
                f"{self.name}'s state when the test ends, while writes through {self.name}_repos would "
                f"leave its objects out of step with the rows"
            )


class ScopeBuilders(Builders):
    """``Builders`` over a data scope's session: what ``module_repos`` and ``class_repos`` are."""

    def __init__(self, scope: DataScope) -> None:
        super().__init__(scope.session, Repositories(scope.session))
        self.scope = scope


def _guarded(scope: DataScope) -> DataScope:
    sync_session: Session = scope.session.sync_session
    event.listen(sync_session, "do_orm_execute", scope.refuse_while_sealed)
    event.listen(sync_session, "before_flush", scope.refuse_while_sealed)
    return scope


@asynccontextmanager
async def module_scope(engine: AsyncEngine) -> AsyncIterator[DataScope]:
    """A pooled connection and an outer transaction, rolled back when the module ends."""
    global open_scopes
    async with engine.connect() as connection:
        transaction = await connection.begin()
        async with joined_session(connection) as session:
            open_scopes += 1
            scope = _guarded(DataScope("module", connection, session, transaction=transaction))
            try:
                yield scope
            finally:
                open_scopes -= 1
                # As for a test: the outer rollback first makes closing the session free.
                if transaction.is_active and scope.lost is None:
                    await transaction.rollback()


async def bound_lock_waits(session: AsyncSession) -> None:
    """For a test that does not use the module's data while it is open: wait at most ``LOCK_TIMEOUT``.

    The module's transaction stays open, idle, until the module ends, holding the locks of the rows it
    wrote. A test on a connection of its own that writes a conflicting key (the same unique name)
    would wait for it forever; with a lock timeout it fails, and the error says which lock it was.
    """
    connection = await session.connection()
    await connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


@asynccontextmanager
async def class_scope(parent: DataScope) -> AsyncIterator[DataScope]:
    """A SAVEPOINT inside ``parent``'s transaction, rolled back when the class ends."""
    parent.seal()
    try:
        refuse_lost(parent)
        savepoint = await parent.connection.begin_nested()
        try:
            # The session closes first: SQLAlchemy forgets the SAVEPOINTs nested in one it rolls back
            # only when they were ended first.
            async with joined_session(parent.connection) as session:
                yield _guarded(DataScope("class", parent.connection, session, parent))
        finally:
            if savepoint.is_active and parent.root().lost is None:
                await savepoint.rollback()
    finally:
        parent.unseal()


@dataclass(eq=False)
class ScopedTest:
    """A test inside a data scope: the scope, and the SAVEPOINT everything the test writes goes into."""

    scope: DataScope
    savepoint: Any  # AsyncTransaction (nested)


@asynccontextmanager
async def scoped_test(scope: DataScope) -> AsyncIterator[ScopedTest]:
    """A SAVEPOINT for one test; rolled back at its end, and the scope's objects checked unchanged."""
    refuse_lost(scope)
    savepoint = await scope.connection.begin_nested()
    scope.seal()
    try:
        yield ScopedTest(scope, savepoint)
    finally:
        scope.unseal()
        if scope.root().lost is None:
            if savepoint.is_active:
                await savepoint.rollback()
            await _restore_changed(scope)


def refuse_lost(scope: DataScope) -> None:
    """A test (or class) of a module whose data an earlier test lost errors, naming that test."""
    lost = scope.root().lost
    if lost is not None:
        raise DataScopeLostError(
            f"the {scope.root().name}'s shared data is gone: {lost}. Its remaining tests cannot run; "
            "fix that test, and they will"
        )


async def _restore_changed(scope: DataScope) -> None:
    """Fail a test that changed the scope's objects in Python, after reloading them from the rows."""
    changed: list[str] = []
    for level in scope.chain():
        session = level.session
        dirty, added, deleted = list(session.dirty), list(session.new), list(session.deleted)
        changed += [f"{type(obj).__name__} {obj.accession_id}" for obj in [*dirty, *added, *deleted]]
        for obj in [*added, *deleted]:
            session.expunge(obj)  # added: never the module's; deleted: detached, still readable
        for obj in dirty:
            await session.refresh(obj)  # discards the change, reloads the module's state
    if changed:
        raise ModuleObjectChangedError(
            "the test changed objects of the shared data in Python (restored from the rows now): "
            f"{', '.join(changed)}. Change rows in a test through repos or the client, on objects of "
            "its own: await repos.deck.get(lab[0].accession_id)"
        )


def innermost_scope(request: pytest.FixtureRequest) -> DataScope:
    """The data scope of a test in one: its class's when it uses ``class_repos``, else its module's."""
    name = CLASS_FIXTURE if CLASS_FIXTURE in request.fixturenames else MODULE_FIXTURE
    builders: ScopeBuilders = request.getfixturevalue(name)
    return builders.scope


@asynccontextmanager
async def session_for_test(
    request: pytest.FixtureRequest, engine: AsyncEngine
) -> AsyncIterator[AsyncSession]:
    """The session of ``db_session``: in the test's SAVEPOINT of its data scope when it is in one
    (``TEST_FIXTURE``, set up already), else in a transaction of its own on a connection of ``engine``."""
    if TEST_FIXTURE in request.fixturenames:
        scoped: ScopedTest = request.getfixturevalue(TEST_FIXTURE)
        root = scoped.scope.root()
        assert root.transaction is not None, "the module's scope holds its outer transaction"
        async with joined_session(scoped.scope.connection) as session:
            outer = await OuterTransaction.record(root.connection, root.transaction)
            session.info[OUTER_KEY] = outer
            try:
                yield session
            finally:
                if await outer.end_in_scope():
                    root.lost = f"{request.node.nodeid} ended the outer transaction ({outer.problems[0]})"
        return
    async with isolated_session(engine) as session:
        if open_scopes:
            await bound_lock_waits(session)
        yield session


def mark_scoped_tests(items: list[pytest.Item]) -> None:
    """Put ``TEST_FIXTURE`` first among the function-scoped fixtures of every test in a data scope.

    pytest sets fixtures up in the order of ``item.fixturenames``, which it sorts by scope (session
    first); inserting there, rather than appending, opens the test's SAVEPOINT after the module's and
    class's data are built and before any function fixture can write.
    """
    for item in items:
        names: list[str] | None = getattr(item, "fixturenames", None)
        if names is None or (MODULE_FIXTURE not in names and CLASS_FIXTURE not in names):
            continue
        definitions = item._fixtureinfo.name2fixturedefs  # type: ignore[attr-defined]
        first_function = next(
            (
                index
                for index, name in enumerate(names)
                if name in definitions and definitions[name][-1].scope == "function"
            ),
            len(names),
        )
        names.insert(first_function, TEST_FIXTURE)
