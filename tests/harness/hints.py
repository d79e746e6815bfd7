"""The ways out printed under a failing test for the mistakes the async ORM makes easy.

Two of them: an attribute read that would need a load the session will not do (an expired column,
a relationship never loaded, ``lazy='raise'``), and a builder (or any coroutine) called without
``await``, whose error (``'coroutine' object has no attribute 'accession_id'``) names neither the call
nor the cure, or, dropped unawaited on a line of its own, only a warning after the summary.
``plugin.pytest_runtest_makereport`` adds each as a section of the failure's report; for a passing
test, all that runs is the recording of its call's warnings (``watching_for_unawaited``), which are
handed on to pytest unchanged.
"""

from __future__ import annotations

import inspect
import sysconfig
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import CoroutineType, TracebackType
from typing import Any

import pytest
from sqlalchemy.exc import InvalidRequestError, MissingGreenlet
from sqlalchemy.orm.exc import DetachedInstanceError

UNLOADED_SECTION = "praxis: how to read an unloaded attribute"
NOT_AWAITED_SECTION = "praxis: a call that was not awaited"

WAYS_OUT = """\
The ways out, in a test:
    obj = await repos.deck.get(obj.accession_id)  # read it through repos: columns and relationships
                                                   # as stored (the object you hold is updated too)
    await repos.refresh(obj)                       # the same, for an object you hold
    await obj.awaitable_attrs.name                 # one expired column (not a relationship)
    select(DeckOrm).options(selectinload(DeckOrm.parent_machine))  # a query of your own
See "Reading rows again" in TESTING_PATTERNS.md."""

IN_PRAXIS = """\
It was read in the application's own code ({where}): production fails the same way. Load it in the
query that read the row (selectinload or joinedload: a repository's `eager` options), not in the test."""

_LIBRARIES = {str(Path(sysconfig.get_paths()[key]).resolve()) for key in ("stdlib", "purelib", "platlib")}
_PRAXIS = str(Path(__file__).resolve().parents[2] / "praxis")


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and the errors it was raised from or during, each once."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_unloaded_attribute(error: BaseException) -> bool:
    """An attribute read that needed a load the session refuses: ``MissingGreenlet`` (an implicit
    load under an AsyncSession), ``lazy='raise'``, or an object no longer in a session."""
    if isinstance(error, MissingGreenlet | DetachedInstanceError):
        return True
    return isinstance(error, InvalidRequestError) and "lazy='raise'" in str(error)


def _own_code(path: str) -> bool:
    """A file of the project (its tests or its application), not of Python or a library."""
    resolved = str(Path(path).resolve())
    return not any(resolved.startswith(library) for library in _LIBRARIES) and "site-packages" not in resolved


def _frames(tb: TracebackType | None) -> Iterator[tuple[str, int, dict[str, Any]]]:
    while tb is not None:
        frame = tb.tb_frame
        yield frame.f_code.co_filename, tb.tb_lineno, frame.f_locals
        tb = tb.tb_next


def unloaded_attribute(excinfo: pytest.ExceptionInfo[BaseException]) -> str | None:
    """The section's text when the failure is an unloaded attribute; None otherwise."""
    error = next((e for e in _chain(excinfo.value) if is_unloaded_attribute(e)), None)
    if error is None:
        return None
    if isinstance(error, MissingGreenlet):
        what = "An attribute was read that is not loaded (expired by expire_all() or a rollback), and an "
        what += "AsyncSession cannot load it implicitly."
    elif isinstance(error, DetachedInstanceError):
        what = "An attribute was read from an object no longer in a session (its session was closed)."
    else:
        what = f"{str(error).splitlines()[0]}: relationships are never loaded implicitly, in production too."
    own = [(path, line) for path, line, _ in _frames(error.__traceback__) if _own_code(path)]
    lines = [what]
    if own:
        path, line = own[-1]
        where = f"{_relative(path)}:{line}"
        if str(Path(path).resolve()).startswith(_PRAXIS):
            lines.append(IN_PRAXIS.format(where=where))
        else:
            lines.append(f"It was read at {where}.")
    lines.append(WAYS_OUT)
    return "\n".join(lines)


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


@dataclass(frozen=True)
class Unawaited:
    """A coroutine Python dropped unstarted during a test (its "never awaited" warning), and where."""

    coroutine: CoroutineType[Any, Any, Any]
    where: str


UNAWAITED = pytest.StashKey[list[Unawaited]]()


@contextmanager
def watching_for_unawaited(item: pytest.Item) -> Iterator[None]:
    """Around a test's call: note each coroutine dropped without being awaited (a bare
    ``repos.deck.create()``), for the report, and hand every warning on to pytest as it came."""
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as recording:
            caught = recording
            yield
    finally:
        noted = [
            Unawaited(w.source, f"{_relative(w.filename)}:{w.lineno}")
            for w in caught
            if issubclass(w.category, RuntimeWarning)
            and inspect.iscoroutine(w.source)
            and "was never awaited" in str(w.message)
        ]
        if noted:
            item.stash[UNAWAITED] = noted
        for w in caught:  # outside the recording now: pytest records them as it always does
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


def not_awaited(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException]) -> str | None:
    """The section's text when the failing test holds a coroutine never started (a call missing its
    ``await``), or dropped one: each call named as the test wrote it (``repos.deck.create(...)``).
    Each one held is closed, so Python's "never awaited" warning does not repeat it after the summary."""
    found: list[CoroutineType[Any, Any, Any]] = []
    candidates: list[Any] = [getattr(error, "obj", None) for error in _chain(excinfo.value)]
    for path, _, local_vars in _frames(excinfo.tb):
        if _own_code(path):
            for value in local_vars.values():
                candidates.append(value)
                if isinstance(value, list | tuple | set):
                    candidates.extend(value)
                elif isinstance(value, dict):
                    candidates.extend(value.values())
    for candidate in candidates:
        if (
            inspect.iscoroutine(candidate)
            and inspect.getcoroutinestate(candidate) == inspect.CORO_CREATED
            and all(candidate is not other for other in found)
        ):
            found.append(candidate)
    lines = []
    for coroutine in found:
        call = _call_of(coroutine)
        lines.append(
            f"`{call}` was not awaited: its coroutine was used in place of its result; write `await {call}`."
        )
        coroutine.close()
    for dropped in item.stash.get(UNAWAITED, []):
        call = _call_of(dropped.coroutine)
        lines.append(f"`{call}` was not awaited ({dropped.where}): it never ran; write `await {call}`.")
    return "\n".join(lines) or None


def _call_of(coroutine: CoroutineType[Any, Any, Any]) -> str:
    """``repos.deck.create(...)`` for a builder's method; the function's qualified name otherwise."""
    from tests.builders.base import Builder

    code = coroutine.cr_code
    frame = coroutine.cr_frame
    owner = frame.f_locals.get("self") if frame is not None else None
    if isinstance(owner, Builder):
        return f"repos.{owner.repository_name}.{code.co_name}(...)"
    return f"{code.co_qualname}(...)"
