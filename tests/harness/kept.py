"""Kept databases (``--praxis-keep-failed``): a failed test's rows, copied out for ``psql``.

``praxis_test_failed_<test>_<hash>`` (``names.kept_database_name``). They outlive their run on
purpose, so they are not run databases (the orphan sweep's pattern never matches them) and every
statement on one goes through ``names.kept()``. The run that kept one holds a shared lock on its name
(``kept_lock_key``) for as long as it lives. Nothing drops them but a request: ``python -m
tests.harness.kept --drop`` drops those of a namespace that no run holds and no one is connected to (a
``psql`` still open on one keeps it). The suite's own tests of the option keep theirs in a namespace
of their own (``names.kept_prefix``), so they never touch a contributor's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re

import asyncpg

from tests.harness.errors import KeptDatabaseInUseError
from tests.harness.locks import held_keys, is_held, kept_lock_key
from tests.harness.names import in_kept_namespace, kept, kept_prefix, owned
from tests.harness.sweep import database_exists, databases_matching, sweep

#: the environment variable naming a run's namespace of kept databases (``praxis_kept_namespace``)
KEPT_NAMESPACE_VARIABLE = "PRAXIS_TEST_KEPT_NAMESPACE"


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


async def kept_databases(connection: asyncpg.Connection, namespace: str = "") -> list[str]:
    """The kept databases of ``namespace`` on the server, by name."""
    names = await databases_matching(connection, "^" + re.escape(kept_prefix(namespace)))
    return [name for name in names if in_kept_namespace(name, namespace)]


async def sweep_kept(connection: asyncpg.Connection, namespace: str = "") -> list[str]:
    """Drop the kept databases of ``namespace`` no live run holds and no one is connected to."""
    return await sweep(connection, await kept_databases(connection, namespace), kept_lock_key)


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.harness.kept [--drop] [--namespace NS]``: list, or drop, the kept databases."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.harness.kept",
        description="The databases --praxis-keep-failed kept on the test server (TEST_DATABASE_URL, or the "
        "embedded one): listed, or dropped with --drop.",
    )
    parser.add_argument(
        "--drop", action="store_true", help="drop those no running test run holds and no one is connected to"
    )
    parser.add_argument(
        "--namespace",
        default=os.environ.get(KEPT_NAMESPACE_VARIABLE, ""),
        help=f"the namespace of a run that had one (default: ${KEPT_NAMESPACE_VARIABLE}, else the default one)",
    )
    args = parser.parse_args(argv)
    for line in asyncio.run(_kept_command(args.drop, args.namespace)):
        print(line)


async def _kept_command(drop: bool, namespace: str) -> list[str]:
    from tests.harness.locks import admin_connection
    from tests.harness.server import resolve_server

    async with admin_connection(resolve_server()) as connection:
        dropped = await sweep_kept(connection, namespace) if drop else []
        left = await kept_databases(connection, namespace)
    lines = [f"dropped {name}" for name in dropped]
    lines += [f"kept {name}{' (in use: not dropped)' if drop else ''}" for name in left]
    return lines or ["no kept databases"]


if __name__ == "__main__":
    main()
