"""Advisory locks: how runs sharing one server know what each other still uses.

* One harness lock per server (``HARNESS_LOCK_KEY``), always taken in the ``postgres`` database
  (advisory locks are per database), so runs naming different databases still share it. A role that
  may not connect there falls back to its URL's own database, with a ``HarnessWarning``.
* Liveness: a session-level lock keyed on a database's name (``lock_key("database", name)``),
  ``"template"`` for a template in use, ``"kept"`` for a kept database, held on the keeper connection
  of the run that uses it. ``pg_locks`` is server-wide, so ``held_keys`` sees every run's.
* Turns (``server_turn``): a test that needs much of the server waits for its turn at it.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from tests.harness.errors import HarnessWarning
from tests.harness.server import TestServer

# Where every harness on a server takes its lock: the maintenance database every server has.
LOCK_DATABASE = "postgres"
_UNSIGNED = (1 << 64) - 1


def _key(text: bytes) -> int:
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big", signed=True)


def lock_key(kind: str, name: str) -> int:
    """A 64-bit advisory-lock key for ``kind`` (``database``, ``template``, ``kept``, ``turn``) and a name."""
    return _key(f"praxis test {kind}:{name}".encode())


# One advisory-lock key for every harness on a server: template builds, clones and drops are serialised.
HARNESS_LOCK_KEY = _key(b"praxis test harness")


def turn_key(purpose: str) -> int:
    return lock_key("turn", purpose)


def kept_lock_key(name: str) -> int:
    """The advisory-lock key that says a live run still holds the kept database ``name``."""
    return lock_key("kept", name)


async def held_keys(connection: asyncpg.Connection) -> set[int]:
    """Every advisory lock key held or awaited by any session, in any database of the server."""
    rows = await connection.fetch(
        "SELECT DISTINCT (classid::bigint << 32) | objid::bigint AS key FROM pg_locks"
        " WHERE locktype = 'advisory' AND objsubid = 1"
    )
    return {row["key"] & _UNSIGNED for row in rows}


def is_held(key: int, held: set[int]) -> bool:
    """Whether ``key`` is among ``held_keys``' (which reads them unsigned)."""
    return key & _UNSIGNED in held


# The lock database chosen for each server URL, decided once per process.
_lock_databases: dict[str, str] = {}


async def connect_lock_database(server: TestServer) -> asyncpg.Connection:
    """A connection to the database where every harness on the server takes its advisory locks.

    ``postgres`` whatever database the URL names, so that runs naming different databases still share
    one lock. A role that may not connect there (the database dropped, CONNECT revoked, pg_hba) falls
    back to the URL's own database, with a ``HarnessWarning``.
    """
    key = server.admin_url.render_as_string(hide_password=False)
    chosen = _lock_databases.get(key)
    if chosen is not None:
        return await asyncpg.connect(server.dsn_for(chosen))
    try:
        connection = await asyncpg.connect(server.dsn_for(LOCK_DATABASE))
        chosen = LOCK_DATABASE
    except (
        asyncpg.InvalidCatalogNameError,
        asyncpg.InsufficientPrivilegeError,
        asyncpg.InvalidAuthorizationSpecificationError,
    ) as exc:
        fallback = server.admin_url.database
        if not fallback or fallback == LOCK_DATABASE:
            raise
        connection = await asyncpg.connect(server.dsn_for(fallback))
        chosen = fallback
        warnings.warn(
            f"the test harness cannot connect to the {LOCK_DATABASE!r} database ({exc}); it takes its lock "
            f"in {fallback!r} instead, so only test runs naming {fallback!r} are serialised with this one. "
            f"Grant CONNECT on {LOCK_DATABASE!r} to share one lock with every run on the server.",
            HarnessWarning,
            stacklevel=2,
        )
    _lock_databases[key] = chosen
    return connection


@asynccontextmanager
async def admin_connection(server: TestServer) -> AsyncIterator[asyncpg.Connection]:
    """A new connection to the lock database holding the harness lock, for inspecting the server."""
    connection = await connect_lock_database(server)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", HARNESS_LOCK_KEY)
        yield connection
    finally:
        await connection.close()  # also releases the lock


@asynccontextmanager
async def server_turn(server: TestServer, purpose: str) -> AsyncIterator[None]:
    """Wait for, then hold, the server-wide turn for ``purpose``, on a connection of its own.

    For a test that needs much of the server to itself (the load run opens up to 60 connections):
    runs sharing one server take turns at it instead of exhausting ``max_connections`` together.
    Not the harness lock: waiting here holds up no other run's set-up.
    """
    connection = await connect_lock_database(server)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", turn_key(purpose))
        yield
    finally:
        await connection.close()  # also ends the turn
