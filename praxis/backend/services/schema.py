"""Whether the database's schema is the one this Praxis needs, in one sentence for every place that
tells a user (``/health``, the API's 503, the ``praxis`` command)."""

from __future__ import annotations

from praxis.backend.errors import DatabaseNotReadyError
from praxis.backend.repositories import Repositories

UPGRADE = "run `praxis db upgrade`"


def not_ready(current: str | None, required: str, database: str | None = None) -> DatabaseNotReadyError:
    where = f"the database {database!r}" if database else "the database"
    at = f"is at revision {current}" if current else "has no Praxis schema (never migrated)"
    return DatabaseNotReadyError(f"{where} {at}; this Praxis needs revision {required}: {UPGRADE}")


async def check_schema(repos: Repositories, required: str, database: str | None = None) -> str:
    """The database's revision when it is ``required``; else the error saying what to do."""
    current = await repos.schema_revision()
    if current is None or current != required:
        raise not_ready(current, required, database)
    return current
