"""API tokens' queries: the one read a request's check costs, and whether any token exists."""

from __future__ import annotations

from sqlalchemy import select, true

from praxis.backend.models.orm import ApiTokenOrm
from praxis.backend.repositories.base import Repository


class ApiTokenRepository(Repository[ApiTokenOrm]):
    model = ApiTokenOrm

    async def by_secret_hash(self, secret_hash: str) -> ApiTokenOrm | None:
        """The token with this hash: one read of the unique index on ``secret_hash``."""
        statement = select(ApiTokenOrm).where(ApiTokenOrm.secret_hash == secret_hash)
        return (await self.session.scalars(statement)).one_or_none()

    async def any_exist(self) -> bool:
        """Whether any token exists (a loopback server without one runs open)."""
        return bool(await self.session.scalar(select(true()).select_from(ApiTokenOrm).limit(1)))
