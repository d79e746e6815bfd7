"""The one sweep: drop the databases no live run holds and no one is connected to.

Three kinds of database outlive the run that made them on purpose or by accident: a dead run's
databases (orphans), templates of older migrations, and kept databases. Each is dropped the same way,
under the harness lock: not while any session holds its liveness lock (``pg_locks`` is server-wide),
not while anyone is connected (``pg_stat_activity``; busy databases are skipped at once, never waited
on under the lock), and without ``FORCE``, so a connection that slips in between still wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import asyncpg

from tests.harness.locks import held_keys, is_held, lock_key
from tests.harness.names import RUN_DATABASE, owned


async def database_exists(connection: asyncpg.Connection, name: str) -> bool:
    return bool(await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))


async def busy(connection: asyncpg.Connection, names: Sequence[str]) -> set[str]:
    """The databases among ``names`` that someone is connected to."""
    rows = await connection.fetch(
        "SELECT DISTINCT datname FROM pg_stat_activity WHERE datname = ANY($1::text[])", list(names)
    )
    return {row["datname"] for row in rows}


async def drop_if_unused(connection: asyncpg.Connection, name: str) -> bool:
    """Drop another run's (or nobody's) database without FORCE; refused or vanished means False."""
    try:
        await connection.execute(f"DROP DATABASE {owned(name)}")
    except (asyncpg.ObjectInUseError, asyncpg.InsufficientPrivilegeError, asyncpg.InvalidCatalogNameError):
        return False  # connected to after all, another role's, or dropped by someone else first
    return True


async def sweep(
    connection: asyncpg.Connection, names: Sequence[str], lock_of: Callable[[str], int]
) -> list[str]:
    """Drop each of ``names`` whose lock (``lock_of(name)``) nobody holds and that nobody is
    connected to; return the ones dropped. ``connection`` holds the harness lock."""
    if not names:
        return []
    held = await held_keys(connection)
    free = [name for name in names if not is_held(lock_of(name), held)]
    taken = await busy(connection, free) if free else set()
    return [name for name in free if name not in taken and await drop_if_unused(connection, name)]


async def databases_matching(connection: asyncpg.Connection, pattern: str) -> list[str]:
    """The names of the server's databases matching the regular expression ``pattern``, sorted."""
    rows = await connection.fetch(
        "SELECT datname FROM pg_database WHERE datname ~ $1 ORDER BY datname", pattern
    )
    return [row["datname"] for row in rows]


def database_lock_key(name: str) -> int:
    """The lock a run holds on each of its databases, from before it exists until it is dropped."""
    return lock_key("database", name)


async def drop_orphans(connection: asyncpg.Connection) -> list[str]:
    """Drop run databases (``names.RUN_DATABASE``) whose run is gone: the orphan sweep."""
    names = await databases_matching(connection, RUN_DATABASE.pattern)
    return await sweep(connection, names, database_lock_key)
