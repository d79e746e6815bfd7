"""Two ways a test misuses its session, each recognised where it happens and explained under the failure.

* **Two operations at once on one session** (``asyncio.gather`` over session calls, a task left
  running): a session, and the one connection under it, runs one statement at a time. SQLAlchemy
  refuses the second ("This session is provisioning a new connection; concurrent operations are not
  permitted", ``IllegalStateChangeError``) and asyncpg refuses a second query ("another operation is in
  progress"). The builders, and the ``client``'s requests, take turns on the session
  (``tests/builders/turns.py``), so gathering them works; any other concurrent use fails with
  ``CONCURRENT_HINT`` under it.
* **Another event loop** (``asyncio.run`` in a thread): the session's connection belongs to the loop
  that opened it, the test's; asyncpg fails deep inside with "Future attached to a different loop".
  The test's sessions and the builders refuse a statement from another loop up front
  (``ForeignLoopError``), and either failure gets ``LOOP_HINT``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from tests.harness.errors import HarnessError

#: where a test's session keeps the event loop it belongs to (``AsyncSession.info``)
LOOP_KEY = "praxis_loop"

CONCURRENT_SECTION = "praxis: one session runs one statement at a time"
CONCURRENT_HINT = """\
The test ran two operations on one AsyncSession at once (asyncio.gather over session calls, or a task
left running on it). A session, and the one connection under it, runs one statement at a time, so
SQLAlchemy (or asyncpg) refused the second. The harness cancelled what was still running and rolled the
test back; the next test is not affected. Ways out:
    a = await repos.deck.create()                                    # one after the other
    a, b = await asyncio.gather(repos.deck.create(), repos.deck.create())  # builders take turns
    await asyncio.gather(client.get(url), client.get(url))          # so do the client's requests
    decks = await repos.deck.create_batch(2)                         # several rows, one INSERT
For work that really runs at once (two transactions racing for a row), give each task a session of
its own on committed_database: "Several connections, or a subprocess" in TESTING_PATTERNS.md."""

LOOP_SECTION = "praxis: the session belongs to the test's event loop"
LOOP_HINT = """\
The test's session and its connection were opened on the test's event loop, and a statement came
from another one (asyncio.run in a thread, a new event loop): asyncpg cannot serve it there. Instead:
    await repos.workcell.create()                  # await in the test itself, on its loop
    await asyncio.to_thread(blocking_code, ids)    # code that must run in a thread gets ids, not the session
Code in another thread or loop that needs the database opens a connection of its own there (an
engine on committed_database): "Several connections, or a subprocess" in TESTING_PATTERNS.md."""


class ForeignLoopError(HarnessError):
    """A test's session, or its builders, were used from an event loop other than the test's."""


def remember_loop(session: AsyncSession) -> None:
    """Called where the test's session is made, on the test's loop."""
    session.info[LOOP_KEY] = asyncio.get_running_loop()


def require_own_loop(session: AsyncSession | Session, what: str = "the test's session") -> None:
    """Refuse a statement from another event loop before it reaches the connection (where it would
    leave asyncpg waiting on a future of the wrong loop)."""
    own = session.info.get(LOOP_KEY)
    if own is None:
        return
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not own:
        raise ForeignLoopError(
            f"{what} was used from another event loop than the test's (asyncio.run in a thread?); "
            "await it in the test itself"
        )


def refuse_foreign_loop(state: Any, *_: Any) -> None:
    """Listener of the test's session (``do_orm_execute``, ``before_flush``): see ``require_own_loop``."""
    session = state.session if hasattr(state, "session") else state
    require_own_loop(session)


def sections_for(exc: BaseException) -> list[tuple[str, str]]:
    """The report sections a failure by ``exc`` (or anything in its chain) calls for."""
    concurrent = loop = False
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        message = str(current)
        if isinstance(current, ForeignLoopError) or "attached to a different loop" in message:
            loop = True
        elif (isinstance(current, InvalidRequestError) and current.code == "isce") or (
            "another operation is in progress" in message
        ):
            concurrent = True
        current = current.__cause__ or current.__context__
    sections = []
    if concurrent:
        sections.append((CONCURRENT_SECTION, CONCURRENT_HINT))
    if loop:
        sections.append((LOOP_SECTION, LOOP_HINT))
    return sections
