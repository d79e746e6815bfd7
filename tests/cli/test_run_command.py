"""``praxis run`` / ``praxis runs``, run as a user runs them: a subprocess talking to a live server,
with a ``praxis worker`` executing the runs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from praxis.backend.services.discovery import DiscoveryService
from tests.builders import Builders
from tests.harness.auth import committed_token
from tests.harness.execution import build_lab, worker_process
from tests.harness.live import LiveServer

FAILING = """
import logging
from praxis.backend.protocols import protocol, protocol_function

@protocol_function
def weigh(grams: float) -> float:
    logging.getLogger("balance").warning("tare drifted by %s mg", 0.4)
    raise ValueError(f"the balance reads {grams} g: out of range")

@protocol
def weighing(grams: float = 1.0) -> float:
    return weigh(grams)
"""


#: the token each server's commands carry (a run-scoped one, as a lab user's)
TOKENS: dict[str, str] = {}


def praxis(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "praxis.backend.cli", *args, "--api", server.url],
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PRAXIS_API_TOKEN": TOKENS[server.url]},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
async def lab(live_server: LiveServer, tmp_path: Path) -> AsyncIterator[None]:
    (tmp_path / "weighing.py").write_text(textwrap.dedent(FAILING))

    async def arrange(repos: Builders) -> None:
        await build_lab(repos, repos.repositories)
        await DiscoveryService(repos.repositories).discover_and_upsert_protocols(tmp_path)

    await live_server.arrange(arrange)
    token = await committed_token(live_server.database_url, ["read", "run"])
    assert token.secret is not None
    TOKENS[live_server.url] = token.secret
    with worker_process(live_server.database_url):
        yield


@pytest.mark.slow(seconds=12)
async def test_praxis_run_follows_a_run_to_its_end_and_runs_show_draws_its_call_tree(
    live_server: LiveServer, lab: None
) -> None:
    followed = praxis(live_server, "run", "absorbance_read", "--param", "wavelength_nm=450", "--follow")

    assert followed.returncode == 0, followed.stdout + followed.stderr
    run_id = followed.stdout.split()[1]
    assert "completed" in followed.stdout
    assert "output absorbance_450nm A1 = " in followed.stdout
    assert "2 calls, 96 outputs" in followed.stdout

    listed = praxis(live_server, "runs", "list")
    shown = praxis(live_server, "runs", "show", run_id)

    assert listed.returncode == 0 and run_id in listed.stdout and "completed" in listed.stdout
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    root = next(i for i, line in enumerate(lines) if line.startswith("└── absorbance_read("))
    assert lines[root + 1].lstrip().startswith("└── read_absorbance(")  # nested one level deeper
    assert "wavelength_nm=450" in lines[root + 1]


@pytest.mark.slow(seconds=8)
async def test_praxis_run_exits_1_when_the_run_fails_and_2_for_a_protocol_that_does_not_exist(
    live_server: LiveServer, lab: None
) -> None:
    failed = praxis(live_server, "run", "weighing", "-p", "grams=-3", "--follow")
    unknown = praxis(live_server, "run", "no_such_protocol")

    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "weigh failed: ValueError: the balance reads -3 g: out of range" in failed.stdout
    assert "WARNING tare drifted by 0.4 mg" in failed.stdout  # the protocol's log line, as it came
    assert any(line.startswith("failed") for line in failed.stdout.splitlines())  # the run's status
    assert unknown.returncode == 2
    assert "no protocol named 'no_such_protocol'" in unknown.stdout


@pytest.mark.slow(seconds=8)
async def test_praxis_run_follow_counts_the_steps_a_protocol_reports(
    live_server: LiveServer, lab: None
) -> None:
    followed = praxis(live_server, "run", "serial_dilution", "-p", "start_volume_ul=100", "--follow")

    assert followed.returncode == 0, followed.stdout + followed.stderr
    assert followed.stdout.rstrip().endswith(
        "12 calls, 0 outputs, step 11 of 11"
    )  # the protocol and 11 transfers
