"""``python -m bench.inner_loop``: how fast a contributor gets an answer.

Figures, each a median over rounds (``--rounds``), printed with their ratios and written to
``bench/results-inner-loop.json``:

* **import floor**: ``python -c "import pytest, httpx, asyncpg, sqlalchemy.ext.asyncio,
  praxis.backend.api.app"``, the least any test process pays;
* **one test**: the whole process of ``pytest tests/api/test_decks.py::test_create_deck`` (warm: the
  embedded server's data directory and the migrated template exist), and its ratio to the floor
  (target: at most 1.5);
* **suite per test**: the whole suite's wall time divided by its number of tests, with ``-n 1`` and
  ``-n 2`` (target with ``-n 2``: at most half of the 100 ms per test measured before the inner-loop
  work), and with ``-n 2 -m "not slow"`` to show what the few slow tests cost; ``--no-suite`` skips
  these runs;
* **client per test**: in-process, entering the ``client`` fixture's context on a test session and
  sending one ``GET /health``, with the shared application (what the fixture does now) and with a
  new application per test (what it did before);
* **cold first run**: one test on a fresh machine: an empty cache directory (``XDG_CACHE_HOME``), so
  the embedded server's data directory is initialised and the template migrated in that run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from praxis.backend.db.embedded import stop_embedded_server

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = Path(__file__).resolve().parent / "results-inner-loop.json"
ONE_TEST = "tests/api/test_decks.py::test_create_deck"
FLOOR = "import pytest, httpx, asyncpg, sqlalchemy.ext.asyncio, praxis.backend.api.app"
#: wall time per test of ``pytest -n 2`` before the inner-loop work (839 tests in 84-88 s)
BEFORE_PER_TEST_S = 0.100


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(extra)
    return env


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    finished = subprocess.run(command, cwd=ROOT, env=env or clean_env(), capture_output=True, text=True)
    wall = time.perf_counter() - started
    if finished.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{finished.stdout[-2000:]}{finished.stderr[-2000:]}")
    return wall, finished.stdout


def pytest(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]


def median_of(rounds: int, measure: Callable[[], float]) -> dict[str, Any]:
    samples = [measure() for _ in range(rounds)]
    return {"median_s": round(statistics.median(samples), 3), "samples_s": [round(s, 3) for s in samples]}


def suite_per_test(workers: int, *selection: str) -> dict[str, Any]:
    wall, output = timed(pytest("-n", str(workers), *selection))
    passed = int(re.search(r"(\d+) passed", output).group(1))  # type: ignore[union-attr]
    return {"wall_s": round(wall, 1), "tests": passed, "per_test_ms": round(1000 * wall / passed, 1)}


async def client_cost(rounds: int) -> dict[str, Any]:
    """Seconds per test of the client fixture's work: open a client on a test session, one request."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from bench.databases import BenchDatabases
    from praxis.backend.api.app import create_app
    from tests.harness.session import app_client, isolated_session

    databases = await BenchDatabases.open()
    database = await databases.clone("client")
    engine = create_async_engine(database.url)
    shared = create_app()
    results: dict[str, list[float]] = {"shared_app": [], "new_app_per_test": []}
    try:
        for _ in range(rounds):
            for key in results:
                async with isolated_session(engine) as session:
                    started = time.perf_counter()
                    app = shared if key == "shared_app" else create_app()
                    async with app_client(session, app=app) as http:
                        assert (await http.get("/health")).status_code == 200
                    results[key].append(time.perf_counter() - started)
    finally:
        await engine.dispose()
        await databases.close()
    shared_ms = 1000 * statistics.median(results["shared_app"][1:] or results["shared_app"])
    fresh_ms = 1000 * statistics.median(results["new_app_per_test"])
    return {"shared_app_ms": round(shared_ms, 2), "new_app_per_test_ms": round(fresh_ms, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.inner_loop", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-suite", action="store_true", help="skip the whole-suite runs")
    args = parser.parse_args(argv)

    timed(pytest(ONE_TEST))  # warm: server data directory, template, bytecode
    figures: dict[str, Any] = {}
    figures["import_floor"] = median_of(args.rounds, lambda: timed([sys.executable, "-c", FLOOR])[0])
    figures["one_test"] = median_of(args.rounds, lambda: timed(pytest(ONE_TEST))[0])
    ratio = figures["one_test"]["median_s"] / figures["import_floor"]["median_s"]
    figures["one_test"]["ratio_to_floor"] = round(ratio, 2)
    figures["client_per_test"] = asyncio.run(client_cost(max(args.rounds * 6, 30)))
    with tempfile.TemporaryDirectory(prefix="praxis-cold-") as cache:
        cold, _ = timed(pytest(ONE_TEST), clean_env(XDG_CACHE_HOME=cache))
        # the run leaves its server up for a next run; there is none on a directory about to go
        stop_embedded_server(Path(cache) / "praxis" / "test-pgdata")
    figures["cold_first_run_s"] = round(cold, 2)
    if not args.no_suite:
        figures["suite_n1"] = suite_per_test(1)
        figures["suite_n2"] = suite_per_test(2)
        figures["suite_n2"]["ratio_to_before"] = round(
            figures["suite_n2"]["per_test_ms"] / (1000 * BEFORE_PER_TEST_S), 2
        )
        # where the time goes: the same run without the few tests marked slow (seconds each)
        figures["suite_n2_not_slow"] = suite_per_test(2, "-m", "not slow")

    print(f"import floor            {figures['import_floor']['median_s']:.2f} s")
    print(
        f"one test, whole process {figures['one_test']['median_s']:.2f} s  = {ratio:.2f}x the floor (target <= 1.5x)"
    )
    client = figures["client_per_test"]
    print(
        f"client per test         {client['shared_app_ms']:.1f} ms shared app, {client['new_app_per_test_ms']:.1f} ms new app"
    )
    print(
        f"cold first run          {figures['cold_first_run_s']:.1f} s (server initialised, template migrated, one test)"
    )
    labels = {"suite_n1": "suite -n 1", "suite_n2": "suite -n 2", "suite_n2_not_slow": "  without slow"}
    for key, label in labels.items():
        if key in figures:
            run = figures[key]
            print(
                f"{label:<24}{run['per_test_ms']:.1f} ms per test ({run['tests']} tests in {run['wall_s']} s)"
            )
    if "suite_n2" in figures:
        print(
            f"  -n 2 vs before        {figures['suite_n2']['ratio_to_before']:.2f}x of 100 ms per test (target <= 0.5x)"
        )
    OUTPUT.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
