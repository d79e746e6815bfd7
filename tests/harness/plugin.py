"""The suite's pytest plugin: its options, its hooks and the order tests run in.

The fixtures are in ``tests.harness.fixtures``; ``tests/conftest.py`` loads both (as pytest-django
keeps ``plugin.py`` apart from ``fixtures.py``).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

import pytest

from tests.harness import failure_report, hints, misuse, module_data, server
from tests.harness.errors import UnsafeDatabaseError
from tests.harness.outer import OUTER, OUTER_SECTION, REPORTED


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--praxis-sql",
        action="store_true",
        help="log every SQL statement and its parameters; a failing test prints its own",
    )
    parser.addoption(
        failure_report.KEEP_OPTION,
        action="store_true",
        help="copy a failed database test's rows into praxis_test_failed_<test> for psql; they stay "
        "until `python -m tests.harness.kept --drop`",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--praxis-sql"):
        # SQLAlchemy sets its loggers to WARNING unless told otherwise; INFO logs each statement.
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    # Everything imported so far (the application, SQLAlchemy, pydantic, the harness, pytest) lives as
    # long as the process: moved out of the collector's reach, so the full collections pytest runs at
    # the end of a session, and Python's own during it, walk only what the tests create.
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """A ``TEST_DATABASE_URL`` the harness refuses ends the run here, with its one message: before any
    test runs, and before xdist starts a worker (its own hook runs last), rather than as the same error
    in the set-up of every test that uses the database."""
    try:
        server.check_environment()
    except UnsafeDatabaseError as refused:
        raise pytest.UsageError(f"{refused} (no test was run)") from None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """Notes the coroutines a test drops without awaiting them, for its report (``hints``)."""
    with hints.watching_for_unawaited(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failure by an unloaded attribute (``lazy='raise'``, ``MissingGreenlet``), by a call not
    awaited, by two operations at once on one session, or by another event loop gets the way out
    printed under it (``hints``, ``misuse``); a hung test, where its tasks stood; a test that ended its
    outer transaction fails; a failed database test shows the rows it wrote (read here: the
    transaction is rolled back in teardown, after
    this report is made)."""
    report = yield
    if call.excinfo is not None and report.failed:
        for title, hint in (
            (hints.UNLOADED_SECTION, hints.unloaded_attribute(call.excinfo)),
            (hints.NOT_AWAITED_SECTION, hints.not_awaited(item, call.excinfo)),
        ):
            if hint is not None:
                report.sections.append((title, hint))
    if call.excinfo is not None and "from pytest-timeout" in str(call.excinfo.value):
        # before the check below cancels the tasks the test left running
        report.sections.append(("praxis: what the event loop was waiting on", pending_tasks()))
    if call.excinfo is not None:
        report.sections.extend(misuse.sections_for(call.excinfo.value))
    if call.when == "call":
        check_outer_transaction(item, report)
    if report.failed and call.when != "teardown":
        item.stash[REPORTED] = True
    failure_report.add_section(item, report)
    return report


def check_outer_transaction(item: pytest.Item, report: pytest.TestReport) -> None:
    """A test that ended its outer transaction fails, even if its body passed; a failed test first has
    the tasks it left running on its session cancelled, so the rows read for its report are settled."""
    outer = item.stash.get(OUTER, None)
    if outer is None:
        return
    if report.failed and not outer.loop.is_running() and not outer.loop.is_closed():
        outer.loop.run_until_complete(outer.settle())
    if not outer.found_now():
        return
    if report.passed:
        report.outcome = "failed"
        report.longrepr = outer.message(item.nodeid)
    else:
        report.sections.append((OUTER_SECTION, outer.message(item.nodeid)))


def pending_tasks() -> str:
    """Where each unfinished task of each open event loop stands, down to the innermost ``await``: a
    hung test's timeout interrupts the loop's ``select``, whose traceback alone does not say which
    ``await`` never returned."""
    lines: list[str] = []
    loops = [o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop) and not o.is_closed()]
    for loop in loops:
        for task in asyncio.all_tasks(loop):
            if task.done():
                continue
            lines.append(f"{task.get_name()}:")
            awaited: Any = task.get_coro()
            while awaited is not None:
                frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
                if frame is None:
                    lines.append(f"  waiting on {awaited!r}")
                    break
                code = frame.f_code
                lines.append(f'  File "{code.co_filename}", line {frame.f_lineno}, in {code.co_name}')
                awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return "\n".join(lines) or "no unfinished asyncio task"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    module_data.mark_scoped_tests(items)
    # the slow tests first, longest first: xdist hands tests out as workers free up, so the others
    # share the remaining workers while these run, instead of one worker running them at the end
    items.sort(key=lambda item: -slow_seconds(item))


def slow_seconds(item: pytest.Item) -> float:
    """How long a ``@pytest.mark.slow(seconds=...)`` test says it runs; 0 for the others."""
    marker = item.get_closest_marker("slow")
    if marker is None:
        return 0.0
    return float(marker.kwargs.get("seconds", marker.args[0] if marker.args else 1))
