"""A short load run: 1,000 mixed requests from 50 concurrent clients against the app under uvicorn on
loopback, with zero errors and the database pool never at its limit (``python -m bench.load`` runs the
same driver long and reports the figures)."""

from __future__ import annotations

import pytest

from tests.harness.load import run
from tests.harness.locks import server_turn
from tests.harness.server import TestServer


@pytest.mark.xdist_group("load")
@pytest.mark.slow(seconds=15)
async def test_short_load_run_has_no_errors(committed_database: str, test_server: TestServer) -> None:
    async with server_turn(test_server, "load"):  # runs sharing the server: one load run at a time
        figures = await run(committed_database, requests=1000, clients=50)

    assert figures.requests == 1000
    assert figures.clients == 50
    assert figures.errors == 0, figures.failures
    assert 0 < figures.peak_server_connections < figures.pool_limit
    assert set(figures.statuses) <= {"200", "201", "404", "409"}
    print(f"p50 {figures.p50_ms} ms, p99 {figures.p99_ms} ms, {figures.requests_per_second} requests/s")
