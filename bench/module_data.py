"""``python -m bench.module_data``: shared data built once per module vs once per test.

One test module of ``TESTS`` tests over a lab of ``ROWS`` decks (each with its machine, workcell and
deck type: ``create_batch`` shares one parent graph), in two variants that differ in one line:

* **per test**: ``lab`` is a function fixture on ``repos``, built again for every test (what a suite
  does today);
* **per module**: ``lab`` is a module fixture on ``module_repos``, built once; each test is rolled
  back to it (a SAVEPOINT on the module's connection).

Each test reads the lab (a count, one deck by id) and renames one deck. Each variant runs as a pytest
process of its own (``-p tests.conftest``: this suite's fixtures), rounds interleaved (``--rounds``);
a probe plugin in that process times the ``TESTS`` tests from the first one's set-up to the last one's
teardown, after a warm-up test that sets up the worker's database and engine, so neither process
start-up nor the harness's set-up is counted. Figures: ms per test (median over rounds) and the
ratio, printed and written to ``bench/results-module-data.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.inner_loop import clean_env

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = Path(__file__).resolve().parent / "results-module-data.json"
TESTS = 20
ROWS = 200

INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = session
asyncio_default_test_loop_scope = session
"""

PROBE = """
import json
import os
import time

import pytest

times = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = time.perf_counter()
    result = yield
    if item.name.startswith("test_lab_"):
        times.append(time.perf_counter() - started)
    return result


def pytest_sessionfinish(session):
    with open(os.environ["BENCH_MODULE_DATA_FILE"], "w") as out:
        json.dump(times, out)
"""

FIXTURES = {
    "per_test": """
@pytest.fixture
async def lab(repos: Builders) -> list[DeckOrm]:
    return await repos.deck.create_batch({rows})
""",
    "per_module": """
@pytest.fixture(scope="module")
async def lab(module_repos: Builders) -> list[DeckOrm]:
    return await module_repos.deck.create_batch({rows})
""",
}

MODULE = """
import pytest

from praxis.backend.models.orm import DeckOrm
from tests.builders import Builders
{fixture}

async def test_warm_up(repos: Builders) -> None:
    assert await repos.deck.count() == 0


@pytest.mark.parametrize("n", range({tests}))
async def test_lab_(lab: list[DeckOrm], repos: Builders, n: int) -> None:
    assert await repos.deck.count() == {rows}
    deck = await repos.deck.get(lab[n].accession_id)
    await repos.deck.update(deck.accession_id, name=f"renamed-{{n}}")
"""


def write_variant(directory: Path, variant: str) -> Path:
    """A test directory for ``variant``: the module, the probe plugin, pytest's settings."""
    path = directory / variant
    path.mkdir()
    (path / "pytest.ini").write_text(INI)
    (path / "bench_probe.py").write_text(PROBE)
    fixture = FIXTURES[variant].format(rows=ROWS)
    (path / "test_lab.py").write_text(MODULE.format(fixture=fixture, tests=TESTS, rows=ROWS))
    return path


def run_variant(path: Path) -> float:
    """Seconds for the ``TESTS`` tests of one pytest process in ``path``."""
    result_file = path / "times.json"
    env = clean_env(PYTHONPATH=f"{ROOT}:{path}", BENCH_MODULE_DATA_FILE=str(result_file))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest"]
    finished = subprocess.run(
        [*command, "-p", "bench_probe", "test_lab.py"], cwd=path, env=env, capture_output=True, text=True
    )
    if finished.returncode != 0:
        raise RuntimeError(f"{path.name} failed:\n{finished.stdout[-3000:]}{finished.stderr[-2000:]}")
    times = json.loads(result_file.read_text())
    if len(times) != TESTS:
        raise RuntimeError(f"{path.name}: {len(times)} tests timed, not {TESTS}")
    return float(sum(times))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.module_data", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    samples: dict[str, list[float]] = {variant: [] for variant in FIXTURES}
    with tempfile.TemporaryDirectory(prefix="praxis-module-data-") as directory:
        paths = {variant: write_variant(Path(directory), variant) for variant in FIXTURES}
        run_variant(paths["per_test"])  # warm: server, template, bytecode
        for round_ in range(args.rounds):
            order = list(FIXTURES) if round_ % 2 == 0 else list(reversed(FIXTURES))
            for variant in order:
                samples[variant].append(run_variant(paths[variant]))

    figures: dict[str, Any] = {"tests": TESTS, "rows": ROWS, "rounds": args.rounds}
    for variant, seconds in samples.items():
        per_test = [1000 * s / TESTS for s in seconds]
        figures[variant] = {
            "module_s_median": round(statistics.median(seconds), 3),
            "per_test_ms_median": round(statistics.median(per_test), 2),
            "per_test_ms_samples": [round(ms, 2) for ms in per_test],
        }
    ratio = figures["per_test"]["per_test_ms_median"] / figures["per_module"]["per_test_ms_median"]
    figures["ratio_per_test_to_per_module"] = round(ratio, 2)
    paired = [a / b for a, b in zip(samples["per_test"], samples["per_module"], strict=True)]
    figures["paired_ratio_median"] = round(statistics.median(paired), 2)

    print(f"module of {TESTS} tests over a lab of {ROWS} decks ({args.rounds} rounds, medians)")
    for variant in FIXTURES:
        run = figures[variant]
        print(
            f"  lab built {variant.replace('_', ' '):10}  {run['per_test_ms_median']:7.1f} ms per test"
            f"  ({run['module_s_median']:.2f} s for the module)"
        )
    print(f"  per test / per module: {ratio:.1f}x (paired by round: {figures['paired_ratio_median']:.1f}x)")
    OUTPUT.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
