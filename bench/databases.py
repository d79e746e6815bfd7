"""The benchmark's own databases, made and dropped through the test harness.

Going through the test harness (``tests.harness``: server resolution, the migrated template, a ``Harness`` of
the benchmark's own) means the benchmark measures the very server, settings and template the tests
use. Names are ``praxis_test_<token>_bench_<role>``: inside the harness's ``praxis_test`` prefix, so
the harness's safety guard applies, and held by the harness's liveness locks, so a crashed run's
leftovers are told from a running one's on the server itself and dropped by the next run of either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.harness.harness import Harness
from tests.harness.server import TestServer, resolve_server
from tests.harness.templates import Template


@dataclass(frozen=True)
class BenchDatabase:
    name: str
    url: str  # for SQLAlchemy (postgresql+asyncpg://...)
    dsn: str  # for plain asyncpg


@dataclass
class BenchDatabases:
    """The server the tests use, its template, and the bench databases this run has cloned."""

    harness: Harness
    template: Template
    created: list[str] = field(default_factory=list)

    @property
    def server(self) -> TestServer:
        return self.harness.server

    @classmethod
    async def open(cls, environ: dict[str, str] | None = None) -> BenchDatabases:
        """Resolve the server exactly as ``tests/conftest.py`` does and make sure the template exists."""
        harness = await Harness(resolve_server(environ)).open()
        try:
            await harness.drop_orphans()
            template = await harness.template()
        except BaseException:
            await harness.close()
            raise
        return cls(harness=harness, template=template)

    def name(self, role: str) -> str:
        """``praxis_test_<token>_bench_<role>``; ``role`` is lower-case letters only."""
        if not role.isalpha() or not role.islower():
            raise ValueError(f"bench database role must be lower-case letters: {role!r}")
        return self.harness.database_name(f"bench_{role}")

    async def clone(self, role: str) -> BenchDatabase:
        """A fresh database for ``role``, cloned from the migrated template the tests use."""
        name = self.name(role)
        url = await self.harness.clone(name)
        self.created.append(name)
        return BenchDatabase(name=name, url=url, dsn=self.server.dsn_for(name))

    async def close(self) -> None:
        try:
            for name in reversed(self.created):
                await self.harness.drop(name)
            self.created.clear()
        finally:
            await self.harness.close()
