"""Sections 4 and 5: the test suite itself, run by pytest in subprocesses.

Section 4, suite start: wall time from starting ``python -m pytest`` to the first test's body, as
written by ``bench.probe_plugin`` (which keeps one test that uses ``db_session``). Compared with the
bare ``pytest --collect-only`` of the same suite, so the difference is what the fixture layer adds:
server resolution, the template check, the worker database clone, the engine, the test's session.

* warm: the migrated template exists and is reused (the everyday case);
* cold: the template of the current migrations is dropped first (through the harness's own naming,
  ``praxis_test_tpl_<hash of the migrations>``, and ``drop_database``), so the run rebuilds it with
  ``alembic upgrade head``, as after a migration changes;
* embedded: the pip-wheel server in the user cache directory. The benchmark process itself holds it
  open, so every sample finds it running: the figures exclude starting the PostgreSQL server;
* external: ``TEST_DATABASE_URL`` if it is set, else a server answering at
  ``postgresql://postgres@127.0.0.1:5432/test`` if there is one; skipped otherwise.

Section 5, scaling: the whole suite with ``-n 1`` and ``-n 2`` (pytest-xdist), wall time and speed-up.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench.timing import Figure, Variant, interleave
from tests.harness.database import (
    TEMPLATE_PREFIX,
    TestServer,
    check_test_url,
    drop_database,
    migrations_hash,
    prepare_template,
    resolve_server,
)

ROOT = Path(__file__).resolve().parents[1]
PROBE_TEST = "tests/fixtures/test_isolation.py::test_fixtures_and_tests_share_one_event_loop"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class RunRecord:
    """What one pytest subprocess did, kept so a failing or odd run can be seen in results.json."""

    exit_codes: list[int] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    def add(self, code: int, output: str, wall: float) -> None:
        self.exit_codes.append(code)
        lines = [line for line in output.strip().splitlines() if line.strip()]
        self.summaries.append(lines[-1][:200] if lines else "")
        self.wall.append(wall)


def pytest_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]


def subprocess_env(test_database_url: str | None, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.pop("TEST_DATABASE_URL", None)
    if test_database_url:
        env["TEST_DATABASE_URL"] = test_database_url
    env.update(extra)
    return env


async def run_pytest(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run pytest; return (start time.time(), wall seconds, exit code, output)."""
    started = time.time()
    clock = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *pytest_command(*args),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    wall = time.perf_counter() - clock
    return started, wall, process.returncode or 0, output.decode(errors="replace")


# -- section 4 ------------------------------------------------------------------------------------
@dataclass
class Target:
    """A server the suite can run on, as the subprocess sees it (``TEST_DATABASE_URL`` or not)."""

    key: str
    description: str
    server: TestServer
    test_database_url: str | None  # None: embedded


async def external_target() -> Target | None:
    """``TEST_DATABASE_URL`` if set, else the conventional local server if one answers."""
    raw = os.environ.get("TEST_DATABASE_URL")
    description = "TEST_DATABASE_URL"
    if not raw:
        try:
            connection = await asyncpg.connect(LOCAL_SERVER, timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return None
        await connection.close()
        raw, description = LOCAL_SERVER, f"server answering at {LOCAL_SERVER} (TEST_DATABASE_URL unset)"
    return Target("external", description, TestServer(admin_url=check_test_url(raw), embedded=False), raw)


def embedded_target() -> Target:
    server = resolve_server(environ={})
    return Target("embedded", "embedded server (pip wheel, user cache dir), already running", server, None)


def probe(
    target: Target, records: dict[str, RunRecord], key: str, *, cold: bool
) -> Callable[[], Awaitable[float]]:
    async def measure() -> float:
        if cold:
            await drop_database(target.server, TEMPLATE_PREFIX + migrations_hash())
        with tempfile.TemporaryDirectory(prefix="praxis-bench-") as directory:
            probe_file = Path(directory) / "probe"
            env = subprocess_env(
                target.test_database_url, BENCH_PROBE_FILE=str(probe_file), BENCH_PROBE_TEST=PROBE_TEST
            )
            started, wall, code, output = await run_pytest(["-p", "bench.probe_plugin", "tests"], env)
            records[key].add(code, output, wall)
            if not probe_file.exists():
                raise RuntimeError(f"the probe test did not run ({key}, exit code {code}):\n{output[-3000:]}")
            body = float(probe_file.read_text().split()[0])
        return body - started

    return measure


def collect_only(records: dict[str, RunRecord]) -> Callable[[], Awaitable[float]]:
    async def measure() -> float:
        _, wall, code, output = await run_pytest(["--collect-only", "tests"], subprocess_env(None))
        records["collect_only"].add(code, output, wall)
        return wall

    return measure


async def run_start(*, rounds: int, cold: bool, external: bool) -> tuple[list[Figure], list[str]]:
    notes: list[str] = []
    targets = [embedded_target()]
    if external:
        found = await external_target()
        if found is None:
            notes.append(
                f"external server: skipped (TEST_DATABASE_URL unset, nothing answers at {LOCAL_SERVER})"
            )
        else:
            targets.append(found)
            notes.append(f"external server: {found.description}")
    else:
        notes.append("external server: not measured in --quick")
    notes.append(
        "embedded figures exclude starting PostgreSQL itself: the benchmark process holds the server open"
    )
    for target in targets:
        await prepare_template(target.server)  # warm samples must find the template, even in round one

    records: dict[str, RunRecord] = {"collect_only": RunRecord()}
    labels = {"collect_only": "bare pytest --collect-only (whole suite)"}
    variants = [Variant("collect_only", labels["collect_only"], collect_only(records))]
    for target in targets:
        for temperature in ("warm", "cold") if cold else ("warm",):
            key = f"{target.key}_{temperature}"
            records[key] = RunRecord()
            labels[key] = f"{target.key}, {temperature} template: start to first test body"
            variants.append(
                Variant(key, labels[key], probe(target, records, key, cold=temperature == "cold"))
            )
    measured = await interleave(variants, rounds, warmup=0)

    figures = []
    baseline = Figure("collect_only", labels["collect_only"], "s", measured.samples["collect_only"])
    for variant in variants:
        figure = Figure(variant.key, labels[variant.key], "s", measured.samples[variant.key])
        figure.extra = _record_json(records[variant.key])
        if variant.key != "collect_only":
            figure.ratio = figure.median / baseline.median
            figure.ratio_means = f"{variant.key} s / collect_only s"
            figure.paired_ratio = measured.paired_ratio(variant.key, "collect_only")
            pairs = zip(measured.samples[variant.key], measured.samples["collect_only"], strict=True)
            # what the target is about: seconds the fixture layer adds to the bare collection
            figure.extra["added_s"] = round(figure.median - baseline.median, 3)
            figure.extra["added_s_paired"] = round(statistics.median(a - b for a, b in pairs), 3)
        figures.append(figure)
    return figures, notes


# -- section 5 ------------------------------------------------------------------------------------
def whole_suite(workers: int, records: dict[str, RunRecord]) -> Callable[[], Awaitable[float]]:
    async def measure() -> float:
        _, wall, code, output = await run_pytest(["-n", str(workers), "tests"], subprocess_env(None))
        records[f"n{workers}"].add(code, output, wall)
        return wall

    return measure


async def run_scaling(*, rounds: int) -> tuple[list[Figure], list[str]]:
    records = {"n1": RunRecord(), "n2": RunRecord()}
    labels = {"n1": "whole suite, pytest -n 1", "n2": "whole suite, pytest -n 2"}
    variants = [Variant(key, labels[key], whole_suite(int(key[1:]), records)) for key in ("n1", "n2")]
    measured = await interleave(variants, rounds, warmup=0)
    n1 = Figure("n1", labels["n1"], "s", measured.samples["n1"], extra=_record_json(records["n1"]))
    n2 = Figure("n2", labels["n2"], "s", measured.samples["n2"], extra=_record_json(records["n2"]))
    n2.ratio = n1.median / n2.median
    n2.ratio_means = "speed-up: -n 1 seconds / -n 2 seconds"
    n2.paired_ratio = measured.paired_ratio("n1", "n2")
    notes = [f"{os.cpu_count()} CPUs; embedded server; wall time of the whole pytest process"]
    return [n1, n2], notes


def _record_json(record: RunRecord) -> dict[str, Any]:
    data: dict[str, Any] = {"exit_codes": record.exit_codes, "pytest_summary": record.summaries[-1:]}
    if record.wall:
        data["process_wall_s_median"] = round(statistics.median(record.wall), 3)
    return data
