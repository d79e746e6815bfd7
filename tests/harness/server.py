"""Which PostgreSQL server the tests run on, and what it must allow.

``TEST_DATABASE_URL`` if set (its database must be named like a test database: ``check_test_url``),
else the embedded server in the user cache directory. On the embedded server only, durability is
switched off (``ensure_non_durable``): its data is throwaway. The role must be allowed to create
databases (``require_createdb`` says what to grant if not).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import platformdirs
from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError

from praxis.backend.db.embedded import NON_DURABLE_SETTINGS, start_embedded_server
from tests.harness.errors import HarnessSetupError, UnsafeDatabaseError
from tests.harness.names import OWNED_PREFIX, quote

# ``test`` as a whole word of the database name: ``test_db``, ``praxis_ci_test``, ``some-test``.
_TEST_WORD = re.compile(r"(?:^|[_-])test(?:$|[_-])", re.IGNORECASE)


@dataclass(frozen=True)
class TestServer:
    """A PostgreSQL server the harness may use; ``admin_url`` is the URL it was given."""

    __test__ = False  # not a pytest test class

    admin_url: URL
    embedded: bool

    def url_for(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def dsn_for(self, database: str) -> str:
        """The same URL for plain asyncpg, which takes no ``+driver``."""
        url = self.admin_url.set(database=database, drivername="postgresql")
        return url.render_as_string(hide_password=False)


def check_test_url(raw: str) -> URL:
    """Refuse, before any connection, a URL whose database is not plainly a test database."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise UnsafeDatabaseError(f"TEST_DATABASE_URL is not a database URL: {exc}") from None
    if not url.database or not _TEST_WORD.search(url.database):
        raise UnsafeDatabaseError(
            f"TEST_DATABASE_URL names the database {url.database!r}; the test harness only runs against "
            "a database whose name holds 'test' as a whole word (delimited by '_', '-' or the ends of "
            "the name: 'test_db', 'praxis_ci_test', 'some-test'), so that it can never touch real data"
        )
    if url.drivername in {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"}:
        url = url.set(drivername="postgresql+asyncpg")
    return url


def check_environment(environ: dict[str, str] | None = None) -> None:
    """``check_test_url`` on ``TEST_DATABASE_URL``, if set: what the run checks once at its start."""
    raw = (os.environ if environ is None else environ).get("TEST_DATABASE_URL")
    if raw:
        check_test_url(raw)


def test_data_dir() -> Path:
    """Per-user cache location of the embedded test server's data directory, reused across runs."""
    return Path(platformdirs.user_cache_dir("praxis")) / "test-pgdata"


def resolve_server(environ: dict[str, str] | None = None) -> TestServer:
    environ = dict(os.environ) if environ is None else environ
    raw = environ.get("TEST_DATABASE_URL")
    if raw:
        return TestServer(admin_url=check_test_url(raw), embedded=False)
    # left running when the run ends, so the next run (the inner loop) joins it instead of starting
    # PostgreSQL again: about half a second per run; ``python -m tests.harness.stop`` stops it
    url = start_embedded_server(test_data_dir(), stop_at_exit=False)
    return TestServer(admin_url=make_url(url), embedded=True)


async def ensure_non_durable(server: TestServer, connection: asyncpg.Connection) -> None:
    """Switch fsync and friends off on the embedded test server (only there: never on a real server)."""
    if not server.embedded or await connection.fetchval("SHOW fsync") == "off":
        return
    for name, value in NON_DURABLE_SETTINGS.items():
        await connection.execute(f"ALTER SYSTEM SET {name} = {value}")
    await connection.execute("SELECT pg_reload_conf()")


def createdb_advice(role: str) -> str:
    return (
        f"the role {role!r} may not create databases, and the test harness creates one per test process "
        f"(all named {OWNED_PREFIX}*). As a superuser: ALTER ROLE {quote(role)} CREATEDB;"
    )


async def current_role(connection: asyncpg.Connection) -> str:
    """The role ``connection`` is logged in as: ``current_user`` is never NULL, though asyncpg's
    ``fetchval`` is typed as returning anything or ``None``."""
    return str(await connection.fetchval("SELECT current_user"))


async def require_createdb(connection: asyncpg.Connection, role: str | None = None) -> None:
    """Fail with the statement to run when ``role`` (default: the connected one) lacks CREATEDB."""
    role = role or await current_role(connection)
    allowed = await connection.fetchval(
        "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = $1", role
    )
    if not allowed:
        raise HarnessSetupError(createdb_advice(role))
