"""Test databases: server, safety guard, migrated template and per-worker clones.

The flow, once per pytest process (each xdist worker is one):

1. ``resolve_server()``: ``TEST_DATABASE_URL`` if set (its database must be named like a test
   database), else the embedded server in the user cache directory, with durability switched off.
2. ``prepare_template()``: a database ``praxis_test_tpl_<hash>`` migrated by ``alembic upgrade head``,
   where the hash covers ``alembic/env.py`` and ``alembic/versions``; built once under an advisory lock,
   reused by every later run until a migration changes.
3. ``clone_database()``: ``praxis_test_<worker>`` created from the template in a few milliseconds.

Every CREATE and DROP goes through ``_owned()``: the harness only touches databases named
``praxis_test...``, so it can never drop something it did not create.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import platformdirs
from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend.db.embedded import NON_DURABLE_SETTINGS, start_embedded_server
from praxis.backend.db.migrations import ALEMBIC_DIR, upgrade_to_head

OWNED_PREFIX = "praxis_test"
TEMPLATE_PREFIX = f"{OWNED_PREFIX}_tpl_"
# One advisory-lock key for every harness on a server: template builds, clones and drops are serialised.
_LOCK_KEY = int.from_bytes(hashlib.sha256(b"praxis test harness").digest()[:8], "big", signed=True)


class UnsafeDatabaseError(RuntimeError):
    """The harness was pointed at a database it must not touch."""


@dataclass(frozen=True)
class TestServer:
    """A PostgreSQL server the harness may use; ``admin_url`` is its maintenance database."""

    __test__ = False  # not a pytest test class

    admin_url: URL
    embedded: bool

    def url_for(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def dsn_for(self, database: str) -> str:
        """The same URL for plain asyncpg, which takes no ``+driver``."""
        url = self.admin_url.set(database=database, drivername="postgresql")
        return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class Template:
    name: str
    built: bool  # False when an existing template was reused


def check_test_url(raw: str) -> URL:
    """Refuse, before any connection, a URL whose database is not plainly a test database."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise UnsafeDatabaseError(f"TEST_DATABASE_URL is not a database URL: {exc}") from None
    if not url.database or "test" not in url.database:
        raise UnsafeDatabaseError(
            f"TEST_DATABASE_URL names the database {url.database!r}; the test harness only runs against "
            "a database whose name contains 'test', so that it can never touch real data"
        )
    if url.drivername in {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"}:
        url = url.set(drivername="postgresql+asyncpg")
    return url


def test_data_dir() -> Path:
    """Per-user cache location of the embedded test server's data directory, reused across runs."""
    return Path(platformdirs.user_cache_dir("praxis")) / "test-pgdata"


def resolve_server(environ: dict[str, str] | None = None) -> TestServer:
    environ = dict(os.environ) if environ is None else environ
    raw = environ.get("TEST_DATABASE_URL")
    if raw:
        return TestServer(admin_url=check_test_url(raw), embedded=False)
    return TestServer(admin_url=make_url(start_embedded_server(test_data_dir())), embedded=True)


def migrations_hash(alembic_dir: Path = ALEMBIC_DIR) -> str:
    """Hash of everything that shapes the migrated schema: env.py and every file under versions/."""
    digest = hashlib.sha256()
    files = [alembic_dir / "env.py", *sorted((alembic_dir / "versions").rglob("*.py"))]
    for path in files:
        digest.update(path.relative_to(alembic_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _owned(name: str) -> str:
    if not name.startswith(OWNED_PREFIX):
        raise UnsafeDatabaseError(f"refusing to create or drop {name!r}: not a {OWNED_PREFIX}* database")
    return '"' + name.replace('"', '""') + '"'


@asynccontextmanager
async def admin_connection(server: TestServer) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the maintenance database holding the harness's advisory lock."""
    connection = await asyncpg.connect(server.dsn_for(server.admin_url.database or "postgres"))
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        yield connection
    finally:
        await connection.close()  # also releases the lock


@asynccontextmanager
async def _admin(
    server: TestServer, connection: asyncpg.Connection | None
) -> AsyncIterator[asyncpg.Connection]:
    """The caller's admin connection if it has one (and so the lock already), else a new one."""
    if connection is not None:
        yield connection
    else:
        async with admin_connection(server) as own:
            yield own


async def prepare_worker_database(server: TestServer, name: str) -> str:
    """All a test process needs before its first test, on one admin connection (each one costs a
    connect and a lock): durability off, orphans dropped, the template ready, ``name`` cloned."""
    async with admin_connection(server) as connection:
        await ensure_non_durable(server, connection=connection)
        await drop_orphans(server, connection=connection)
        template = await prepare_template(server, connection=connection)
        return await clone_database(server, template.name, name, connection=connection)


async def ensure_non_durable(server: TestServer, *, connection: asyncpg.Connection | None = None) -> None:
    """Switch fsync and friends off on the embedded test server (only there: never on a real server)."""
    if not server.embedded:
        return
    async with _admin(server, connection) as connection:
        if await connection.fetchval("SHOW fsync") == "off":
            return
        for name, value in NON_DURABLE_SETTINGS.items():
            await connection.execute(f"ALTER SYSTEM SET {name} = {value}")
        await connection.execute("SELECT pg_reload_conf()")


async def database_exists(connection: asyncpg.Connection, name: str) -> bool:
    return bool(await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))


async def _drop(connection: asyncpg.Connection, name: str) -> None:
    await connection.execute(f"DROP DATABASE IF EXISTS {_owned(name)} WITH (FORCE)")


async def prepare_template(
    server: TestServer, migrations: str | None = None, *, connection: asyncpg.Connection | None = None
) -> Template:
    """Return the migrated template for the current migrations, building it only if it is missing.

    The name covers the migrations and the connecting role: only a database's owner (or a superuser)
    may clone it, so two roles on one server each get a template of their own.
    """
    async with _admin(server, connection) as connection:
        role = await connection.fetchval("SELECT current_user")
        key = hashlib.sha256(f"{migrations or migrations_hash()}:{role}".encode()).hexdigest()[:16]
        name = TEMPLATE_PREFIX + key
        if await database_exists(connection, name):
            return Template(name=name, built=False)
        building = f"{name}_build"  # renamed into place only once fully migrated
        await _drop(connection, building)
        await connection.execute(f"CREATE DATABASE {_owned(building)}")
        engine = create_async_engine(server.url_for(building), poolclass=NullPool)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()
        await connection.execute(f"ALTER DATABASE {_owned(building)} RENAME TO {_owned(name)}")
        await _drop_stale_templates(connection, keep=name)
        return Template(name=name, built=True)


async def _drop_stale_templates(connection: asyncpg.Connection, keep: str) -> None:
    """Templates of older migrations are dead weight; drop this role's that nobody is connected to."""
    rows = await connection.fetch(
        "SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2"
        " AND pg_get_userbyid(datdba) = current_user",
        TEMPLATE_PREFIX.replace("_", r"\_") + "%",
        keep,
    )
    for row in rows:
        try:
            await connection.execute(f"DROP DATABASE IF EXISTS {_owned(row['datname'])}")
        except (asyncpg.ObjectInUseError, asyncpg.InsufficientPrivilegeError):
            continue


async def clone_database(
    server: TestServer, template: str, name: str, *, connection: asyncpg.Connection | None = None
) -> str:
    """(Re)create ``name`` as a copy of ``template``; return its SQLAlchemy URL."""
    async with _admin(server, connection) as connection:
        await _drop(connection, name)
        await connection.execute(f"CREATE DATABASE {_owned(name)} TEMPLATE {_owned(template)}")
    return server.url_for(name)


async def create_empty_database(server: TestServer, name: str) -> str:
    async with admin_connection(server) as connection:
        await _drop(connection, name)
        await connection.execute(f"CREATE DATABASE {_owned(name)}")
    return server.url_for(name)


async def drop_database(server: TestServer, name: str) -> None:
    _owned(name)  # refuse before connecting
    async with admin_connection(server) as connection:
        await _drop(connection, name)


def worker_database_name(worker_id: str, pid: int | None = None) -> str:
    """``praxis_test_gw0_4242``: the xdist worker (``main`` without xdist) and the process id.

    The process id keeps two test runs on one server (a developer's and CI's, or two checkouts) from
    dropping each other's databases; ``drop_orphans()`` clears the ones whose process has died.
    """
    worker = "main" if worker_id == "master" else worker_id
    return f"{OWNED_PREFIX}_{worker}_{os.getpid() if pid is None else pid}"


async def drop_orphans(server: TestServer, *, connection: asyncpg.Connection | None = None) -> list[str]:
    """Drop worker databases left by test processes of this machine that no longer exist."""
    dropped = []
    async with _admin(server, connection) as connection:
        rows = await connection.fetch(
            "SELECT datname FROM pg_database WHERE datname ~ $1", f"^{OWNED_PREFIX}_(main|gw[0-9]+)_[0-9]+"
        )
        for row in rows:
            name = row["datname"]
            pid = int(name.split("_")[3])
            if process_alive(pid):
                continue
            try:
                await connection.execute(f"DROP DATABASE IF EXISTS {_owned(name)}")
            except (asyncpg.ObjectInUseError, asyncpg.InsufficientPrivilegeError):
                continue  # in use, or another role's: not ours to drop
            dropped.append(name)
    return dropped


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
            quoted = '"' + row["tablename"].replace('"', '""') + '"'
            count = await connection.fetchval(f"SELECT count(*) FROM {quoted}")
            if count:
                counts[row["tablename"]] = count
        return counts
    finally:
        await connection.close()
