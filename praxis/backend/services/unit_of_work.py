"""The unit of work: one transaction, the repositories over it, and the commit that ends it.

One implementation serves every caller: an HTTP request (``api.dependencies``), a ``praxis`` command
(``cli``), and the tests, whose in-process client hands the app a session factory bound to the test's
connection instead of the engine (SQLAlchemy's "join a session into an external transaction"), so
the code that commits in a test is exactly the code that commits in production.

The transaction is committed only by an explicit ``commit()``; leaving the block without one (an
exception, or a caller that only read) rolls it back. A COMMIT the database refuses (a deferred
constraint) is raised as the project's own exception, so a caller can never report success for work
that was not stored.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from praxis.backend.errors import ConflictError
from praxis.backend.repositories import Repositories
from praxis.backend.repositories.errors import translate


class UnitOfWork:
    """``async with UnitOfWork(sessions) as uow: ...; await uow.commit()``."""

    repos: Repositories

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use it in 'async with'")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        await self._session.begin()
        self.repos = Repositories(self._session)
        return self

    async def commit(self) -> None:
        """Commit; a refusal at COMMIT becomes the project's exception (409 for a constraint)."""
        try:
            await self.session.commit()
        except DBAPIError as error:
            raise refused_commit(error) from error

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self.session, None
        # close() rolls back whatever was not committed and returns the connection to the pool: the
        # caller (an HTTP response, say) starts only after the database has let go of it.
        await session.close()


def refused_commit(error: DBAPIError) -> Exception:
    """What a COMMIT refused by the database means for the caller.

    A constraint checked at COMMIT (a deferred unique or foreign key, a constraint trigger) is a
    conflict with what is stored: 409, whatever kind of constraint it is. Anything else (the database
    gone, a trigger raising an arbitrary error) is left as it is, for the caller's handlers to map
    (503 when the database is unavailable, 500 otherwise).
    """
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    if not sqlstate.startswith("23"):
        return error
    translated = translate(error, entity="transaction")
    return ConflictError(
        "the change was refused when it was committed: it conflicts with what is stored"
        + (f" ({translated.message})" if translated is not None else ""),
        entity=translated.entity if translated is not None else None,
        field=translated.field if translated is not None else None,
    )
