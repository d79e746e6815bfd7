"""Fixtures for the whole suite; see TESTING_PATTERNS.md for how to use them.

One event loop serves the session (pytest-asyncio ``loop_scope="session"``, set in pyproject.toml),
so the engine's pooled connections and every test share it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from praxis.backend.api.app import create_app
from praxis.backend.execution.worker import WorkerOptions
from praxis.backend.repositories import Repositories
from tests.builders import Builders
from tests.harness import failure_report, module_data
from tests.harness.auth import anonymous_client, bearer, client_with, committed_token  # noqa: F401 (fixtures)
from tests.harness.database import (
    TestServer,
    close_process_harness,
    process_harness,
    resolve_server,
    rows_left,
)
from tests.harness.execution import Lab, ProtocolRunner, build_lab
from tests.harness.migrator import Migrator, database_at, marked_revision, revision_before
from tests.harness.module_data import ScopeBuilders, ScopedTest
from tests.harness.queries import QueryLog, counting
from tests.harness.session import app_client, isolated_session, joined_session

if TYPE_CHECKING:
    # the live tier (uvicorn and the server) is imported by the tests that use it, not by every run
    from tests.harness.live import LiveServer


# Everything imported so far (the application, SQLAlchemy, pydantic, the harness) lives as long as the
# process: moved out of the collector's reach, so the full collections pytest runs at the end of a
# session, and Python's own during it, walk only what the tests create.
gc.freeze()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--praxis-sql",
        action="store_true",
        help="log every SQL statement and its parameters; a failing test prints its own",
    )
    parser.addoption(
        failure_report.KEEP_OPTION,
        action="store_true",
        help="copy a failed database test's rows into praxis_test_failed_<test> for psql; the next run "
        "with this option drops them",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--praxis-sql"):
        # SQLAlchemy sets its loggers to WARNING unless told otherwise; INFO logs each statement.
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)


MISSING_GREENLET_HINT = """\
An attribute was read that is not loaded (expired by expire_all() or a commit, or a relationship
that was never loaded), and an AsyncSession cannot load it implicitly. Load it explicitly:
    await repos.refresh(obj)                   # reload the row's columns
    await obj.awaitable_attrs.name             # load one attribute, or a relationship
    await repos.deck.get(obj.accession_id)     # read it again (reads always return fresh rows)
See "Reading rows again" in TESTING_PATTERNS.md."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failure by ``MissingGreenlet`` gets the way out printed under it; a failed database test, the
    rows it wrote (read here: the transaction is rolled back in teardown, after this report is made)."""
    report = yield
    if call.excinfo is not None and call.excinfo.errisinstance(MissingGreenlet):
        report.sections.append(("praxis: how to read an unloaded attribute", MISSING_GREENLET_HINT))
    failure_report.add_section(item, report)
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    module_data.mark_scoped_tests(items)
    # the slow tests first, longest first: xdist hands tests out as workers free up, so the others
    # share the remaining workers while these run, instead of one worker running them at the end
    items.sort(key=lambda item: -slow_seconds(item))


def slow_seconds(item: pytest.Item) -> float:
    """How long a ``@pytest.mark.slow(seconds=...)`` test says it runs; 0 for the others."""
    marker = item.get_closest_marker("slow")
    if marker is None:
        return 0.0
    return float(marker.kwargs.get("seconds", marker.args[0] if marker.args else 1))


@pytest.fixture(scope="session")
def test_server() -> TestServer:
    """The PostgreSQL server under test: ``TEST_DATABASE_URL`` or the embedded one."""
    return resolve_server()


@pytest.fixture(scope="session")
async def session_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


@pytest.fixture(scope="session")
async def test_database_url(
    test_server: TestServer, worker_id: str, pytestconfig: pytest.Config
) -> AsyncIterator[str]:
    """This worker's own database, cloned from the migrated template and dropped at the end; the
    process's harness (its server-side liveness locks) lives exactly as long."""
    harness = await process_harness(test_server)
    name = harness.worker_database_name(worker_id)
    url = await harness.prepare_worker_database(name)
    if pytestconfig.getoption(failure_report.KEEP_OPTION):
        await harness.drop_kept_databases()  # earlier runs': a live run's (another worker's) are held
    yield url
    leftovers = await rows_left(url)
    await harness.drop(name)
    await close_process_harness(test_server)
    assert not leftovers, f"rows outlived their tests in {name}: {leftovers}"


@pytest.fixture(scope="session")
async def db_engine(test_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(test_database_url, pool_size=5, max_overflow=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(request: pytest.FixtureRequest, db_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose every write, commits included, is rolled back when the test ends: to the
    module's (or class's) data when the test uses ``module_repos`` or ``class_repos``, else to empty."""
    keep_on = (
        request.getfixturevalue("test_server")
        if request.config.getoption(failure_report.KEEP_OPTION)
        else None
    )
    if module_data.TEST_FIXTURE in request.fixturenames:
        scoped: ScopedTest = request.getfixturevalue(module_data.TEST_FIXTURE)
        async with joined_session(scoped.scope.connection) as session:
            failure_report.remember(request.node, session, keep_on)
            yield session
        return
    async with isolated_session(db_engine) as session:
        if module_data.open_scopes:
            await module_data.bound_lock_waits(session)
        failure_report.remember(request.node, session, keep_on)
        yield session


@pytest.fixture(scope="module")
async def module_repos(db_engine: AsyncEngine) -> AsyncIterator[ScopeBuilders]:
    """Builders whose writes last for the whole module: for a module-scoped fixture that builds the
    data its tests share. Each test using it is rolled back to that data (see TESTING_PATTERNS.md)."""
    async with module_data.module_scope(db_engine) as scope:
        yield ScopeBuilders(scope)


@pytest.fixture(scope="class")
async def class_repos(module_repos: ScopeBuilders) -> AsyncIterator[ScopeBuilders]:
    """``module_repos`` for a test class: its writes last until the class's last test, on top of the
    module's data."""
    async with module_data.class_scope(module_repos.scope) as scope:
        yield ScopeBuilders(scope)


@pytest.fixture
async def praxis_data_scope_test(request: pytest.FixtureRequest) -> AsyncIterator[ScopedTest]:
    """The SAVEPOINT a test of a module's (or class's) data runs in; set up ahead of the test's other
    function fixtures (``module_data.mark_scoped_tests``), rolled back after them."""
    name = (
        module_data.CLASS_FIXTURE
        if module_data.CLASS_FIXTURE in request.fixturenames
        else module_data.MODULE_FIXTURE
    )
    builders: ScopeBuilders = request.getfixturevalue(name)
    async with module_data.scoped_test(builders.scope) as scoped:
        yield scoped


@pytest.fixture
def repositories(db_session: AsyncSession) -> Repositories:
    """The real repositories over the test's session: what a service under test gets, as in production."""
    return Repositories(db_session)


@pytest.fixture
def repos(db_session: AsyncSession, repositories: Repositories) -> Builders:
    """A builder per aggregate over the test's session: ``await repos.deck.create()``; reads such as
    ``await repos.deck.get(id)`` are the repository's own."""
    return Builders(db_session, repositories)


@pytest.fixture
def count_queries(db_session: AsyncSession) -> Callable[[], AbstractContextManager[QueryLog]]:
    """``with count_queries() as queries: ...`` records the statements the test's connection sends."""
    connection = db_session.bind
    assert isinstance(connection, AsyncConnection)
    return lambda: counting(connection.sync_connection)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def app() -> FastAPI:
    """One application per test process, bound to each test's session in turn: FastAPI prepares a
    route on its first request per application, so a new app per test would pay that every time."""
    return create_app()


@pytest.fixture
async def client(db_session: AsyncSession, app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app, in-process; each request is production's unit of work on a
    session of its own, joined to the test's transaction (committed or rolled back in a SAVEPOINT).
    It carries a token with every scope (``client_with``, ``anonymous_client``: less)."""
    async with app_client(db_session, app=app) as http:
        yield http


@pytest.fixture
async def committed_database(
    test_server: TestServer, test_database_url: str, worker_id: str
) -> AsyncIterator[str]:
    """The URL of a migrated database of the test's own, where writes are really committed.

    For what a rolled-back transaction cannot show: a subprocess (the ``praxis`` command), or several
    connections racing each other. Cloned from the template in milliseconds, dropped afterwards.
    """
    harness = await process_harness(test_server)  # open while test_database_url is: it closes it
    name = harness.worker_database_name(worker_id, "committed")
    yield await harness.clone(name)
    await harness.drop(name)


@pytest.fixture
def live_server(committed_database: str) -> Iterator[LiveServer]:
    """The production server (``praxis serve``'s, real commits) on 127.0.0.1, on a database of the
    test's own: for what only production's transaction lifecycle shows. Slower than ``client``."""
    from tests.harness.live import running_server

    with running_server(committed_database) as server:
        yield server


@pytest.fixture
async def live_client(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the live server, over a real socket, with a token of every scope."""
    token = await committed_token(live_server.database_url)
    # a generous timeout: on a busy machine a request may queue behind others for seconds
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60, headers=bearer(token)) as http:
        yield http


# -- executing protocols ---------------------------------------------------------------------------


@pytest.fixture
def protocol_runner(db_session: AsyncSession) -> ProtocolRunner:
    """Executes runs through the real worker (a child process per run) on the test's transaction:
    ``finished = await protocol_runner.run(run)``."""
    return ProtocolRunner(db_session, WorkerOptions(time_limit=60, cancel_grace=2))


@pytest.fixture
async def simulation_lab(repos: Builders, repositories: Repositories) -> Lab:
    """A workcell that runs the demo protocols: a liquid handler, a plate reader, a plate and a tip
    rack, and the demo protocols (``simulation_lab.dilution``, ``simulation_lab.read``) in the catalog."""
    return await build_lab(repos, repositories)


# -- migration tests -------------------------------------------------------------------------------


@pytest.fixture
async def migrator(
    request: pytest.FixtureRequest, test_server: TestServer, test_database_url: str, worker_id: str
) -> AsyncIterator[Migrator]:
    """A database of the test's own just before the revision its ``@pytest.mark.migration("...")``
    names, to store rows in, migrate and read back (``tests/harness/migrator.py``)."""
    start = revision_before(marked_revision(request.node))
    harness = await process_harness(test_server)  # open while test_database_url is: it closes it
    async with database_at(harness, harness.worker_database_name(worker_id, "migrator"), start) as migrator:
        yield migrator
