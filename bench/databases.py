"""The benchmark's own databases, made and dropped through the test harness.

Going through ``tests.harness.database`` (server resolution, the migrated template, ``clone_database``,
``drop_database``) means the benchmark measures the very server, settings and template the tests use.
Names are ``praxis_test_bench_<role>_<pid>``: inside the harness's ``praxis_test`` prefix, so the
harness's safety guard applies, and carrying the process id, so a crashed run's leftovers can be told
from a running one's and dropped by the next run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from tests.harness.database import (
    OWNED_PREFIX,
    Template,
    TestServer,
    admin_connection,
    clone_database,
    drop_database,
    ensure_non_durable,
    prepare_template,
    process_alive,
    resolve_server,
)

BENCH_PREFIX = f"{OWNED_PREFIX}_bench_"
_BENCH_NAME = re.compile(rf"^{BENCH_PREFIX}[a-z]+_([0-9]+)$")


def bench_database_name(role: str, pid: int | None = None) -> str:
    """``praxis_test_bench_isolation_4242``; ``role`` is lower-case letters only."""
    if not role.isalpha() or not role.islower():
        raise ValueError(f"bench database role must be lower-case letters: {role!r}")
    return f"{BENCH_PREFIX}{role}_{os.getpid() if pid is None else pid}"


@dataclass(frozen=True)
class BenchDatabase:
    name: str
    url: str  # for SQLAlchemy (postgresql+asyncpg://...)
    dsn: str  # for plain asyncpg


@dataclass
class BenchDatabases:
    """The server the tests use, its template, and the bench databases this run has cloned."""

    server: TestServer
    template: Template
    created: list[str] = field(default_factory=list)

    @classmethod
    async def open(cls, environ: dict[str, str] | None = None) -> BenchDatabases:
        """Resolve the server exactly as ``tests/conftest.py`` does and make sure the template exists."""
        server = resolve_server(environ)
        await ensure_non_durable(server)
        await drop_bench_orphans(server)
        template = await prepare_template(server)
        return cls(server=server, template=template)

    async def clone(self, role: str) -> BenchDatabase:
        """A fresh database for ``role``, cloned from the migrated template the tests use."""
        name = bench_database_name(role)
        url = await clone_database(self.server, self.template.name, name)
        self.created.append(name)
        return BenchDatabase(name=name, url=url, dsn=self.server.dsn_for(name))

    async def close(self) -> None:
        for name in reversed(self.created):
            await drop_database(self.server, name)
        self.created.clear()


async def drop_bench_orphans(server: TestServer) -> list[str]:
    """Drop bench databases left by runs whose process is gone (a run killed mid-way)."""
    dropped: list[str] = []
    async with admin_connection(server) as connection:
        rows = await connection.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", BENCH_PREFIX.replace("_", r"\_") + "%"
        )
    for row in rows:
        match = _BENCH_NAME.match(row["datname"])
        if match and not process_alive(int(match.group(1))):
            await drop_database(server, row["datname"])
            dropped.append(row["datname"])
    return dropped
