"""A pytest plugin that times the suite's start: ``pytest -p bench.probe_plugin``.

It does nothing unless told to by environment variables, so loading it by accident changes nothing:

* ``BENCH_PROBE_COLLECTED_FILE``: ``time.time()`` is written there when collection has finished;
* ``BENCH_PROBE_FILE``: the plugin keeps a single test of the collected suite (the one named by
  ``BENCH_PROBE_TEST``, or else the first that uses the ``db_session`` fixture) and writes
  ``time.time()`` there when that test's body is about to run, i.e. once the embedded server, the
  template, the worker database, the engine and the test's session are all set up.

The benchmark compares both with the time it started the process. The whole suite is still
collected, so the probe run and the bare ``pytest --collect-only`` run collect the same tests; the
tests themselves stay untouched.
"""

from __future__ import annotations

import os
import time

import pytest

PROBE_FILE = "BENCH_PROBE_FILE"
PROBE_TEST = "BENCH_PROBE_TEST"
COLLECTED_FILE = "BENCH_PROBE_COLLECTED_FILE"


def _stamp(variable: str, detail: str) -> None:
    path = os.environ.get(variable)
    if path:
        with open(path, "w") as probe:
            probe.write(f"{time.time()!r}\n{detail}\n")


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


def pytest_collection_finish(session: pytest.Session) -> None:
    _stamp(COLLECTED_FILE, f"{len(session.items)} items")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    _stamp(PROBE_FILE, item.nodeid)
