"""The end-of-run audit: a worker database must hold no rows once every test has rolled back."""

from __future__ import annotations

import asyncpg
from sqlalchemy import make_url

from tests.harness.names import quote


async def rows_left(url: str) -> dict[str, int]:
    """Tables of ``url`` that hold rows (``alembic_version`` aside): after a suite, there must be none."""
    connection = await asyncpg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        counts = {}
        for row in tables:
            count = await connection.fetchval(f"SELECT count(*) FROM {quote(row['tablename'])}")
            if count:
                counts[row["tablename"]] = count
        return counts
    finally:
        await connection.close()
