"""The suite's fixtures; see TESTING_PATTERNS.md for how to use them.

Each fixture is short and hands the work to the harness's parts (``tests/harness``). Each decision is
a small fixture of its own that a project's ``conftest.py`` can override: which server
(``test_server``), durability (``praxis_non_durable``), keeping failed tests' rows
(``praxis_keep_failed``) and where (``praxis_kept_namespace``). One event loop serves the session (pytest-asyncio ``loop_scope="session"``,
set in pyproject.toml), so the engine's pooled connections and every test share it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from praxis.backend.api.app import create_app
from praxis.backend.execution.worker import WorkerOptions
from praxis.backend.repositories import Repositories
from tests.builders import Builders
from tests.harness import failure_report, module_data
from tests.harness.audit import rows_left
from tests.harness.auth import anonymous_client, bearer, client_with, committed_token  # noqa: F401 (fixtures)
from tests.harness.execution import Lab, ProtocolRunner, build_lab
from tests.harness.failure_report import Keeper
from tests.harness.harness import Harness
from tests.harness.kept import KEPT_NAMESPACE_VARIABLE
from tests.harness.migrator import Migrator, database_at, marked_revision, revision_before
from tests.harness.module_data import ScopeBuilders, ScopedTest
from tests.harness.outer import OUTER, OUTER_KEY, REPORTED, OuterTransaction, TestEndedBadlyError
from tests.harness.queries import QueryLog, counting
from tests.harness.server import TestServer, resolve_server
from tests.harness.session import app_client

if TYPE_CHECKING:
    # the live tier (uvicorn and the server) is imported by the tests that use it, not by every run
    from tests.harness.live import LiveServer


# -- decisions: override one in a conftest.py to decide otherwise ---------------------------------


@pytest.fixture(scope="session")
def test_server() -> TestServer:
    """The PostgreSQL server under test: ``TEST_DATABASE_URL`` or the embedded one."""
    return resolve_server()


@pytest.fixture(scope="session")
def praxis_non_durable(test_server: TestServer) -> bool:
    """Switch fsync and friends off: on the embedded server (the harness never does it elsewhere)."""
    return test_server.embedded


@pytest.fixture(scope="session")
def praxis_keep_failed(pytestconfig: pytest.Config) -> bool:
    """Copy a failed test's rows into a database of its own (``--praxis-keep-failed``)."""
    return bool(pytestconfig.getoption(failure_report.KEEP_OPTION))


@pytest.fixture(scope="session")
def praxis_kept_namespace() -> str:
    """The namespace of this run's kept databases: ``PRAXIS_TEST_KEPT_NAMESPACE``, else the default
    one (``""``). The suite's own tests of ``--praxis-keep-failed`` run theirs in one of their own."""
    return os.environ.get(KEPT_NAMESPACE_VARIABLE, "")


# -- the databases ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
async def session_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


@pytest.fixture(scope="session")
async def praxis_harness(test_server: TestServer) -> AsyncIterator[Harness]:
    """This process's harness on the server: its liveness locks live exactly as long as the session."""
    async with Harness(test_server) as harness:
        yield harness


@pytest.fixture(scope="session")
async def test_database_url(
    praxis_harness: Harness, worker_id: str, praxis_non_durable: bool
) -> AsyncIterator[str]:
    """This worker's own database, cloned from the migrated template; when the session ends it must
    hold no rows, and it is dropped."""
    name = praxis_harness.worker_database_name(worker_id)
    url = await praxis_harness.prepare_worker_database(name, non_durable=praxis_non_durable)
    yield url
    leftovers = await rows_left(url)
    await praxis_harness.drop(name)
    assert not leftovers, f"rows outlived their tests in {name}: {leftovers}"


@pytest.fixture(scope="session")
async def db_engine(test_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(test_database_url, pool_size=5, max_overflow=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def committed_database(praxis_harness: Harness, worker_id: str) -> AsyncIterator[str]:
    """The URL of a migrated database of the test's own, where writes are really committed.

    For what a rolled-back transaction cannot show: a subprocess (the ``praxis`` command), or several
    connections racing each other. Cloned from the template in milliseconds, dropped afterwards.
    """
    name = praxis_harness.worker_database_name(worker_id, "committed")
    yield await praxis_harness.clone(name)
    await praxis_harness.drop(name)


@pytest.fixture
def embedded_data_dir() -> Iterator[Path]:
    """A directory of the test's own for an embedded server's data: ``embedded_data_dir / "pgdata"``.

    Not under ``tmp_path``. Run as root, the embedded server runs as an unprivileged user that reaches
    its data through the directories above it (the wheel opens them to others), and pytest keeps its
    own temporary root (``/tmp/pytest-of-<user>``) private: every pytest session that starts (another
    run on the machine, an inner ``pytester`` run) closes it again. A server starting under it at that
    moment is cut off from its data: ``initdb`` fails, or ``pg_ctl -w`` cannot read ``postmaster.pid``
    and times out while PostgreSQL itself is up. Removed when the test ends.
    """
    directory = Path(tempfile.mkdtemp(prefix="praxis-embedded-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


# -- the test's session and what is built on it ------------------------------------------------------


@pytest.fixture
async def db_session(
    request: pytest.FixtureRequest, db_engine: AsyncEngine, praxis_keeper: Keeper | None
) -> AsyncIterator[AsyncSession]:
    """A session whose every write, commits included, is rolled back when the test ends: to the
    module's (or class's) data when the test uses ``module_repos`` or ``class_repos``, else to empty."""
    async with module_data.session_for_test(request, db_engine) as session:
        failure_report.remember(request.node, session, praxis_keeper)
        outer: OuterTransaction | None = session.info.get(OUTER_KEY)
        if outer is not None:
            request.node.stash[OUTER] = outer
        yield session
    # Found only now (a connection left mid-operation), for a test whose reports did not fail already.
    if outer is not None and outer.problems and not request.node.stash.get(REPORTED, False):
        raise TestEndedBadlyError(outer.message(request.node.nodeid))


@pytest.fixture(scope="session")
def praxis_keeper(
    praxis_harness: Harness, praxis_keep_failed: bool, praxis_kept_namespace: str
) -> Keeper | None:
    """Where a failed test's rows are kept, if they are (``praxis_keep_failed``)."""
    return Keeper(praxis_harness, praxis_kept_namespace) if praxis_keep_failed else None


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
    async with module_data.scoped_test(module_data.innermost_scope(request)) as scoped:
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


# -- the application ------------------------------------------------------------------------------------


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
    request: pytest.FixtureRequest, praxis_harness: Harness, worker_id: str
) -> AsyncIterator[Migrator]:
    """A database of the test's own just before the revision its ``@pytest.mark.migration("...")``
    names, to store rows in, migrate and read back (``tests/harness/migrator.py``)."""
    start = revision_before(marked_revision(request.node))
    name = praxis_harness.worker_database_name(worker_id, "migrator")
    async with database_at(praxis_harness, name, start) as migrator:
        yield migrator
