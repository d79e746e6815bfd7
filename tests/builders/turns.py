"""The builders take turns on the test's session, so ``asyncio.gather`` over them works.

A session runs one operation at a time: a builder's ``create`` is several (a SAVEPOINT, a flush of its
graph, the release), and a second one started meanwhile is refused by SQLAlchemy ("This session is
provisioning a new connection; concurrent operations are not permitted"). Every builder call therefore
holds the session's turn (one ``asyncio.Lock`` per session, first come first served): gathered calls
run one after another, in the order they were started, and return what sequential calls would. A
builder call made while its task holds the turn (a builder's ``create`` around its parent's) goes on.

The ``client``'s requests take the same turn (``tests/harness/session.py``, ``TakingTurns``), so
gathered requests, and requests gathered with builder calls, work too.

The turn is checked out on the test's event loop only: a builder called from another loop (``asyncio.run``
in a thread) is refused with ``ForeignLoopError`` before it touches the session.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from tests.harness.misuse import require_own_loop

#: where a session keeps its turn (``AsyncSession.info``), shared by every ``Builders`` over it
TURN_KEY = "praxis_builders_turn"


class Turns:
    """The turn of one session's builders: ``async with Turns.of(session)(): ...``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.lock = asyncio.Lock()
        self.holder: asyncio.Task[object] | None = None

    @classmethod
    def of(cls, session: AsyncSession) -> Turns:
        """The session's turn, made on first use."""
        turns: Turns = session.info.setdefault(TURN_KEY, cls(session))
        return turns

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        taken = await self.take()
        try:
            yield
        finally:
            if taken:
                self.give_back()

    async def take(self, what: str = "the builders (repos)") -> bool:
        """Wait for the turn and take it; False if the current task holds it already (then there is
        nothing to give back)."""
        require_own_loop(self.session, what)
        task = asyncio.current_task()
        if task is not None and self.holder is task:
            return False
        await self.lock.acquire()
        self.holder = task
        return True

    def give_back(self) -> None:
        self.holder = None
        self.lock.release()
