"""A worker while its database is down: the run it executed fails cleanly (never left running), the
worker survives, connects again, and executes the next run. On a PostgreSQL server of the test's own
(an embedded one in a temporary directory), stopped and started again."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend.db.migrations import upgrade_to_head
from praxis.backend.db.session import create_sessionmaker
from praxis.backend.execution.worker import asyncpg_dsn
from praxis.backend.services.discovery import DiscoveryService
from praxis.backend.services.protocol import ProtocolRunService
from praxis.backend.services.unit_of_work import UnitOfWork
from tests.harness.execution import wait_for_call, wait_for_end, worker_process

STEPS = """
import time
from praxis.backend.protocols import protocol, protocol_function

@protocol_function
def step(n: int) -> int:
    time.sleep(0.05)
    return n

@protocol
def steps(count: int = 3) -> int:
    for n in range(count):
        step(n)
    return count
"""


async def migrate(url: str) -> None:
    """The private server's database at the schema's head (it starts empty)."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


async def queue_run(url: str, directory: Path, count: int) -> str:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            found = await DiscoveryService(uow.repos).discover_and_upsert_protocols(directory)
            run = await ProtocolRunService(uow.repos).create(
                {
                    "protocol_definition_id": found.definitions[0].accession_id,
                    "input_parameters": {"count": count},
                    "queue": True,
                }
            )
            await uow.commit()
            return str(run.accession_id)
    finally:
        await engine.dispose()


@pytest.mark.slow(seconds=20)
async def test_a_worker_survives_an_outage_and_its_run_ends_cleanly(
    private_server: tuple[Any, str], tmp_path: Path
) -> None:
    server, url = private_server
    await migrate(url)
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "steps.py").write_text(textwrap.dedent(STEPS))

    with worker_process(url, PRAXIS_JOB_HEARTBEAT_TIMEOUT="2") as worker:
        during = await queue_run(url, tmp_path / "protocols", count=400)
        await wait_for_call(url, during, "step")
        server.stop()
        server.ensure_postgres_running()
        ended = await wait_for_end(url, during, within=120)
        after = await queue_run(url, tmp_path / "protocols", count=3)
        ended_after = await wait_for_end(url, after, within=120)

        assert worker.poll() is None  # the worker survived
    assert ended["status"] in ("completed", "failed")  # cleanly ended, never left running
    if ended["status"] == "failed":
        assert ended["status_details"]
    assert ended_after["status"] == "completed"


async def until(check: Callable[[], Awaitable[bool]], within: float = 30) -> None:
    """Asked again every 50 ms: the server's activity and its log announce nothing to wait on."""
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def connected(admin: asyncpg.Connection, role: str) -> bool:
    return bool(await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE usename = $1", role))


async def logged(log: Path, line: str) -> bool:
    return line in await asyncio.to_thread(log.read_text, errors="replace")


@pytest.mark.slow(seconds=10)
async def test_a_run_whose_start_finds_every_connection_taken_starts_once_one_is_free(
    private_server: tuple[Any, str], tmp_path: Path
) -> None:
    server, url = private_server
    await migrate(url)
    (tmp_path / "steps.py").write_text(textwrap.dedent(STEPS))
    admin = await asyncpg.connect(asyncpg_dsn(url))
    # the worker's role may hold 6 connections (a superuser's are never limited): its job queue's, and
    # the 5 taken below while its run starts, as other clients of a busy server would
    await admin.execute(
        f"CREATE ROLE lab_worker LOGIN CONNECTION LIMIT 6 IN ROLE {await admin.fetchval('SELECT current_user')}"
    )
    worker_url = make_url(url).set(username="lab_worker").render_as_string(hide_password=False)
    taken: list[asyncpg.Connection] = []
    try:
        with worker_process(worker_url) as worker:
            await until(lambda: connected(admin, "lab_worker"))  # its job queue's connection
            taken = [await asyncpg.connect(asyncpg_dsn(worker_url)) for _ in range(5)]
            run_id = await queue_run(url, tmp_path, count=3)
            refused = 'too many connections for role "lab_worker"'
            await until(lambda: logged(server.log, refused))  # the worker tried to start the run
            for connection in taken:
                await connection.close()

            ended = await wait_for_end(url, run_id, within=60)

            assert worker.poll() is None
    finally:
        await admin.close()
    assert ended["status"] == "completed"  # started once a connection was free, not dropped
