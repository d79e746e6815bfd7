"""The migrated template: ``alembic upgrade head`` once per set of migrations, cloned per database.

A template is named after a hash of everything that shapes the schema (``alembic/env.py`` and every
file under ``alembic/versions``) and of the role (only a database's owner, or a superuser, may clone
it): ``praxis_test_tpl_<hash>``. Later runs with unchanged migrations reuse it. A run holds a shared
lock on its template for as long as it may clone from it; another template of the same role is
dropped only when no run holds it, no one is connected, and it is older (a lower OID: created
earlier) than the one in use, so checkouts with different migrations coexist.
"""

from __future__ import annotations

import hashlib
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend.db.migrations import ALEMBIC_DIR, run_on_engine
from tests.harness.locks import lock_key
from tests.harness.names import TEMPLATE_PREFIX, owned
from tests.harness.server import TestServer
from tests.harness.sweep import sweep


@dataclass(frozen=True)
class Template:
    name: str
    built: bool  # False when an existing template was reused


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


def template_name(migrations: str, role: str, revision: str = "head") -> str:
    """The name covers the migrations and the role: only a database's owner (or a superuser) may clone
    it, so two roles on one server each get a template of their own. A template stopped at another
    ``revision`` than head (for migration tests, ``tests/harness/migrator.py``) has a name of its own."""
    key = f"{migrations}:{role}" if revision == "head" else f"{migrations}:{role}:{revision}"
    return TEMPLATE_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:16]


def template_lock_key(name: str) -> int:
    """The shared lock a run holds on a template it may still clone from."""
    return lock_key("template", name)


async def drop_stale_templates(connection: asyncpg.Connection, current: str) -> list[str]:
    """Drop this role's templates older than ``current`` that no run uses or is connected to."""
    rows = await connection.fetch(
        "SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2"
        " AND pg_get_userbyid(datdba) = current_user"
        " AND oid < (SELECT oid FROM pg_database WHERE datname = $2)"
        " ORDER BY datname",
        TEMPLATE_PREFIX.replace("_", r"\_") + "%",
        current,
    )
    return await sweep(connection, [row["datname"] for row in rows], template_lock_key)


async def build_template(
    connection: asyncpg.Connection, server: TestServer, building: str, name: str, revision: str = "head"
) -> None:
    """``alembic upgrade <revision>`` into the empty database ``building``, then renamed ``name``."""
    engine = create_async_engine(server.url_for(building), poolclass=NullPool)
    try:
        await run_on_engine(engine, "upgrade", revision)
    finally:
        await engine.dispose()
    # Built meanwhile by a run that took its lock in another database: use that one.
    with suppress(asyncpg.DuplicateDatabaseError):
        await connection.execute(f"ALTER DATABASE {owned(building)} RENAME TO {owned(name)}")
