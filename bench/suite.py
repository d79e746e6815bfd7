"""Sections 4 and 5: the test suite itself, run by pytest in subprocesses.

Section 4, suite start: wall time from starting ``python -m pytest`` to the first test's body, as
written by ``bench.probe_plugin`` (which keeps one test that uses ``db_session``). Compared with the
bare ``pytest --collect-only`` of the same suite, from its start to the end of its collection, so the
difference is what the fixture layer adds: server resolution, the template check, the worker database
clone, the engine, the test's session. (The collect-only process's exit comes a second or more after
its collection, spent shutting the interpreter down; that is kept in the figure's extra, not compared.)

* warm: the migrated template exists and is reused (the everyday case);
* cold: the template of the current migrations is dropped first (its name, ``praxis_test_tpl_<hash>``,
  comes from the harness's own ``Harness.template``; dropped with ``Harness.drop_template``), so the run
  rebuilds it with ``alembic upgrade head``, as after a migration changes;
* embedded: the pip-wheel server in the user cache directory. The benchmark process itself holds it
  open, so every sample finds it running: the figures exclude starting the PostgreSQL server;
* external: ``TEST_DATABASE_URL`` if it is set, else a server answering at
  ``postgresql://postgres@127.0.0.1:5432/test`` if there is one; skipped otherwise.

Section 5, scaling: the whole suite with ``-n 1`` and ``-n 2`` (pytest-xdist), wall time and speed-up.
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench.probe_plugin import COLLECTED_FILE, PROBE_FILE, PROBE_TEST
from bench.timing import Figure, Variant, interleave
from tests.harness.harness import Harness, prepare_template
from tests.harness.names import TEMPLATE_PREFIX
from tests.harness.server import TestServer, check_test_url, resolve_server

ROOT = Path(__file__).resolve().parents[1]
PROBE_NODE = "tests/fixtures/test_isolation.py::test_fixtures_and_tests_share_one_event_loop"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class PytestRun:
    started: float  # time.time() just before the process was started
    wall: float  # seconds until it exited
    exit_code: int
    output: str
    cpu: float  # user + system seconds of pytest and its children (xdist workers)
    machine_busy: float | None  # share of all CPUs busy meanwhile, whoever used them (/proc/stat)
    collected: float | None = None  # seconds from start to the end of collection (probe plugin)
    body: float | None = None  # seconds from start to the probe test's body (probe plugin)

    @property
    def summary(self) -> str:
        lines = [line for line in self.output.strip().splitlines() if line.strip()]
        return lines[-1][:200] if lines else ""


@dataclass
class RunRecord:
    """What the pytest subprocesses of one figure did, so an odd run can be seen in results.json.

    CPU figures say whether a run waited or computed: on a two-core machine shared with the database
    server (and with whatever else runs there), a run whose machine is already busy cannot go faster
    with more workers."""

    runs: list[PytestRun] = field(default_factory=list)

    def add(self, run: PytestRun) -> None:
        self.runs.append(run)

    def to_json(self) -> dict[str, Any]:
        if not self.runs:
            return {}
        busy = [run.machine_busy for run in self.runs if run.machine_busy is not None]
        data: dict[str, Any] = {
            "exit_codes": [run.exit_code for run in self.runs],
            "pytest_summary": self.runs[-1].summary,
            "process_wall_s_median": round(statistics.median(run.wall for run in self.runs), 3),
            "pytest_cpu_s_median": round(statistics.median(run.cpu for run in self.runs), 3),
            "machine_cpu_busy_median": round(statistics.median(busy), 3) if busy else None,
        }
        collected = [run.collected for run in self.runs if run.collected is not None]
        if collected:
            data["start_to_collected_s_median"] = round(statistics.median(collected), 3)
        setup = [run.body - run.collected for run in self.runs if run.body and run.collected]
        if setup:
            # measured inside one process: what the fixtures add between collection and the test body
            data["collected_to_body_s_median"] = round(statistics.median(setup), 3)
        return data


def pytest_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]


def subprocess_env(test_database_url: str | None, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.pop("TEST_DATABASE_URL", None)
    if test_database_url:
        env["TEST_DATABASE_URL"] = test_database_url
    env.update(extra)
    return env


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs, from the first line of /proc/stat (None where absent)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


async def run_pytest(args: list[str], env: dict[str, str], *, probe_test: str | None = None) -> PytestRun:
    """Run ``python -m pytest`` from the repository root and account for its time and CPU.

    With ``probe_test`` the probe plugin keeps only that test (or the first using ``db_session``) and
    stamps the start of its body; collection is stamped either way (``bench.probe_plugin``)."""
    with tempfile.TemporaryDirectory(prefix="praxis-bench-") as directory:
        collected_file, body_file = Path(directory) / "collected", Path(directory) / "body"
        env = {**env, COLLECTED_FILE: str(collected_file)}
        if probe_test is not None:
            env.update({PROBE_FILE: str(body_file), PROBE_TEST: probe_test})
        ticks = _cpu_ticks()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.time()
        clock = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *pytest_command("-p", "bench.probe_plugin", *args),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        wall = time.perf_counter() - clock
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        ticks_after = _cpu_ticks()
        collected = _stamp(collected_file, started)
        body = _stamp(body_file, started)
    cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    busy = None
    if ticks and ticks_after and ticks_after[1] > ticks[1]:
        busy = (ticks_after[0] - ticks[0]) / (ticks_after[1] - ticks[1])
    text = output.decode(errors="replace")
    return PytestRun(started, wall, process.returncode or 0, text, cpu, busy, collected, body)


def _stamp(path: Path, started: float) -> float | None:
    """Seconds from ``started`` to the time the probe plugin wrote to ``path`` (None if it did not)."""
    if not path.exists():
        return None
    return float(path.read_text().split()[0]) - started


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
            # The harness names the template (migrations and role hashed); ask it rather than guess.
            async with Harness(target.server) as harness:
                template = await harness.template()
                assert template.name.startswith(TEMPLATE_PREFIX)
                if not await harness.drop_template(template.name):
                    raise RuntimeError(f"{template.name} is in use by another run: no cold sample possible")
        env = subprocess_env(target.test_database_url)
        run = await run_pytest(["tests"], env, probe_test=PROBE_NODE)
        records[key].add(run)
        if run.body is None:
            raise RuntimeError(
                f"the probe test did not run ({key}, exit {run.exit_code}):\n{run.output[-3000:]}"
            )
        return run.body

    return measure


def collect_only(records: dict[str, RunRecord]) -> Callable[[], Awaitable[float]]:
    """The baseline: start to the end of collection of a bare ``pytest --collect-only``.

    Not the process's exit: a pytest process spends a second or more shutting down after its last
    hook, which a first test body does not wait for. The exit time is kept in the figure's extra."""

    async def measure() -> float:
        run = await run_pytest(["--collect-only", "tests"], subprocess_env(None))
        records["collect_only"].add(run)
        if run.collected is None:
            raise RuntimeError(f"collection did not finish (exit {run.exit_code}):\n{run.output[-3000:]}")
        return run.collected

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
    labels = {"collect_only": "bare pytest --collect-only: start to end of collection"}
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
        figure.extra = records[variant.key].to_json()
        if variant.key != "collect_only":
            figure.ratio = figure.median / baseline.median
            figure.ratio_means = f"{variant.key} s / collect_only s"
            figure.paired_ratio = measured.paired_ratio(variant.key, "collect_only")
            pairs = zip(measured.samples[variant.key], measured.samples["collect_only"], strict=True)
            # What the target is about: the seconds the fixture layer adds to a bare collection. Taken
            # inside the probe's own process (end of collection to the first test body): two separate
            # pytest processes differ by a second or more in start-up alone on a busy machine, more
            # than the quantity measured. The comparison across processes is kept beside it.
            figure.extra["added_s"] = figure.extra.get("collected_to_body_s_median")
            figure.extra["added_vs_collect_only_run_s"] = round(figure.median - baseline.median, 3)
            figure.extra["added_vs_collect_only_run_s_paired"] = round(
                statistics.median(a - b for a, b in pairs), 3
            )
        figures.append(figure)
    return figures, notes


# -- section 5 ------------------------------------------------------------------------------------
def whole_suite(workers: int, records: dict[str, RunRecord]) -> Callable[[], Awaitable[float]]:
    async def measure() -> float:
        run = await run_pytest(["-n", str(workers), "tests"], subprocess_env(None))
        records[f"n{workers}"].add(run)
        return run.wall

    return measure


async def run_scaling(*, rounds: int) -> tuple[list[Figure], list[str]]:
    records = {"n1": RunRecord(), "n2": RunRecord()}
    labels = {"n1": "whole suite, pytest -n 1", "n2": "whole suite, pytest -n 2"}
    variants = [Variant(key, labels[key], whole_suite(int(key[1:]), records)) for key in ("n1", "n2")]
    measured = await interleave(variants, rounds, warmup=0)
    n1 = Figure("n1", labels["n1"], "s", measured.samples["n1"], extra=records["n1"].to_json())
    n2 = Figure("n2", labels["n2"], "s", measured.samples["n2"], extra=records["n2"].to_json())
    n2.ratio = n1.median / n2.median
    n2.ratio_means = "speed-up: -n 1 seconds / -n 2 seconds"
    n2.paired_ratio = measured.paired_ratio("n1", "n2")
    notes = [f"{os.cpu_count()} CPUs; embedded server; wall time of the whole pytest process"]
    return [n1, n2], notes
