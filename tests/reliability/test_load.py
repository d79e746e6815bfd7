"""The load script in its short mode: 1,000 mixed requests from 50 concurrent clients against the app
under uvicorn on loopback, with zero errors and the database pool never at its limit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.xdist_group("load")
def test_short_load_run_has_no_errors() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "bench.load", "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    figures = json.loads(finished.stdout.strip().splitlines()[-1])
    assert figures["requests"] == 1000
    assert figures["clients"] == 50
    assert figures["errors"] == 0, figures["failures"]
    assert 0 < figures["peak_server_connections"] < figures["pool_limit"]
    assert set(figures["statuses"]) <= {"200", "201", "404", "409"}
    print(
        f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, {figures['requests_per_second']} requests/s"
    )
