"""A pytest plugin that times the suite's start: ``pytest -p bench.probe_plugin``.

Active only when ``BENCH_PROBE_FILE`` is set (so loading it by accident changes nothing). It keeps a
single test of the collected suite, the one named by ``BENCH_PROBE_TEST`` or else the first that uses
the ``db_session`` fixture, and writes ``time.time()`` to ``BENCH_PROBE_FILE`` when that test's body
is about to run, i.e. once the embedded server, the template, the worker database, the engine and
the test's session are all set up. The benchmark compares it with the time it started the process.

The whole suite is still collected, so the figure includes the same collection the bare
``pytest --collect-only`` baseline does; the tests themselves stay untouched.
"""

from __future__ import annotations

import os
import time

import pytest

PROBE_FILE = "BENCH_PROBE_FILE"
PROBE_TEST = "BENCH_PROBE_TEST"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get(PROBE_FILE):
        return
    wanted = os.environ.get(PROBE_TEST)
    chosen = next((item for item in items if wanted and item.nodeid == wanted), None)
    if chosen is None:
        chosen = next((item for item in items if "db_session" in getattr(item, "fixturenames", ())), None)
    if chosen is None:
        raise pytest.UsageError("bench probe: no collected test uses the db_session fixture")
    config.hook.pytest_deselected(items=[item for item in items if item is not chosen])
    items[:] = [chosen]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    path = os.environ.get(PROBE_FILE)
    if path:
        with open(path, "w") as probe:
            probe.write(f"{time.time()!r}\n{item.nodeid}\n")
