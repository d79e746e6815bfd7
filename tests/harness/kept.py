"""Kept databases (``--praxis-keep-failed``): a failed test's rows, copied out for ``psql``.

``praxis_test_failed_<test>_<hash>`` (``names.kept_database_name``). They outlive their run on
purpose, so they are not run databases (the orphan sweep's pattern never matches them) and every
statement on one goes through ``names.kept()``. The run that kept one holds a shared lock on its name
(``kept_lock_key``) for as long as it lives; ``sweep_kept`` drops the ones no run holds and no one is
connected to (a ``psql`` still open on one keeps it).
"""

from __future__ import annotations

import asyncpg

from tests.harness.errors import KeptDatabaseInUseError
from tests.harness.locks import held_keys, is_held, kept_lock_key
from tests.harness.names import KEPT_DATABASE, KEPT_PREFIX, kept, owned
from tests.harness.sweep import database_exists, databases_matching, sweep


async def claim(connection: asyncpg.Connection, name: str, held: set[str]) -> None:
    """Hold ``name`` for this run (``held``: the names the connection holds already); refused when
    another live run holds a kept database of that name."""
    kept(name)
    if name in held:
        return
    key = kept_lock_key(name)
    if await database_exists(connection, name) and is_held(key, await held_keys(connection)):
        raise KeptDatabaseInUseError(f"{name} is held by another test run that is still going")
    await connection.execute("SELECT pg_advisory_lock_shared($1)", key)
    held.add(name)


async def release(connection: asyncpg.Connection, name: str, held: set[str]) -> None:
    if name in held:
        await connection.execute("SELECT pg_advisory_unlock_shared($1)", kept_lock_key(name))
        held.discard(name)


async def recreate(connection: asyncpg.Connection, name: str, template: str) -> None:
    """``name`` anew from ``template``; refused (``KeptDatabaseInUseError``) while anyone reads it."""
    quoted = kept(name)
    try:
        # no FORCE: a kept database is never dropped under a reader
        await connection.execute(f"DROP DATABASE IF EXISTS {quoted}")
    except asyncpg.ObjectInUseError as exc:
        raise KeptDatabaseInUseError(f"{name} is open in another session: {exc}") from exc
    await connection.execute(f"CREATE DATABASE {quoted} TEMPLATE {owned(template)}")


async def drop(connection: asyncpg.Connection, name: str, held: set[str]) -> None:
    """Drop ``name`` now (``FORCE``), and release this run's hold on it."""
    await connection.execute(f"DROP DATABASE IF EXISTS {kept(name)} WITH (FORCE)")
    await release(connection, name, held)


async def sweep_kept(connection: asyncpg.Connection) -> list[str]:
    """Drop the kept databases no live run holds and no one is connected to; return their names."""
    names = await databases_matching(connection, "^" + KEPT_PREFIX)
    return await sweep(connection, [name for name in names if KEPT_DATABASE.fullmatch(name)], kept_lock_key)
