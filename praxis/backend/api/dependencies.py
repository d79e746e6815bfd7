"""Request-scoped dependencies: the unit of work, one per request, ended before the response.

``scope="function"`` makes FastAPI close the dependency when the route function returns, before the
response is serialised and sent. With the default scope its exit would run after the body went out:
a client could see 201 for a row that another connection cannot read yet, or that a COMMIT refused.
Here the transaction is committed (or rolled back) and the connection is back in the pool first, and
a refused COMMIT is answered with an error, never a 2xx.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from praxis.backend.services.unit_of_work import UnitOfWork


async def unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """Committed when the route returns, rolled back when it raises."""
    async with UnitOfWork(request.app.state.sessionmaker) as uow:
        yield uow
        await uow.commit()


UnitOfWorkDep = Annotated[UnitOfWork, Depends(unit_of_work, scope="function")]
