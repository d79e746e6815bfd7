"""A worker while its database is down: the run it executed fails cleanly (never left running), the
worker survives, connects again, and executes the next run. On a PostgreSQL server of the test's own
(an embedded one in a temporary directory), stopped and started again."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend.db.migrations import upgrade_to_head
from praxis.backend.db.session import create_sessionmaker
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
    engine = create_async_engine(url, poolclass=NullPool)
    await upgrade_to_head(engine)
    await engine.dispose()
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
