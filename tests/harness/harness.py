"""``Harness``: one test process's presence on a server, and every CREATE and DROP it makes.

Its *keeper* connection to the server's lock database lives as long as the process; the advisory
locks it holds (``locks``) are how every other run on the server knows which databases, template and
kept databases this process still uses. Each operation takes the harness lock for one hold, so a
template is prepared and cloned without another run dropping it in between. Closing the harness (or
the process dying) releases every lock at once; databases it did not drop are then orphans, dropped
by whichever run sweeps next (``sweep``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from tests.harness import kept
from tests.harness.errors import HarnessError, HarnessSetupError, UnsafeDatabaseError
from tests.harness.locks import HARNESS_LOCK_KEY, connect_lock_database
from tests.harness.names import (
    OWNED_PREFIX,
    TEMPLATE_PREFIX,
    check_token,
    new_token,
    owned,
    run_database_name,
)
from tests.harness.names import kept as kept_name
from tests.harness.server import (
    TestServer,
    createdb_advice,
    current_role,
    ensure_non_durable,
    require_createdb,
)
from tests.harness.sweep import database_exists, database_lock_key, drop_orphans, sweep
from tests.harness.templates import (
    Template,
    build_template,
    drop_stale_templates,
    migrations_hash,
    template_lock_key,
    template_name,
)


class Harness:
    """One test process's token and keeper connection; see the module's docstring."""

    def __init__(self, server: TestServer, token: str | None = None) -> None:
        self.server = server
        self.token = new_token() if token is None else check_token(token)
        self._keeper: asyncpg.Connection | None = None
        self._serial: asyncio.Lock | None = None  # one operation at a time on the keeper connection
        self._role = ""
        self._claimed: set[str] = set()  # databases whose liveness lock the keeper holds
        self._templates: set[str] = set()  # templates the keeper holds a shared lock on
        self._kept: set[str] = set()  # kept databases the keeper holds a shared lock on

    async def open(self) -> Harness:
        keeper = await connect_lock_database(self.server)
        try:
            self._role = await current_role(keeper)
            await require_createdb(keeper, self._role)
        except BaseException:
            await keeper.close()
            raise
        self._keeper = keeper
        self._serial = asyncio.Lock()
        return self

    async def close(self) -> None:
        """Release every lock of this process (databases not dropped become orphans)."""
        keeper, self._keeper = self._keeper, None
        self._claimed.clear()
        self._templates.clear()
        self._kept.clear()
        if keeper is not None:
            await keeper.close()

    @property
    def is_open(self) -> bool:
        return self._keeper is not None and not self._keeper.is_closed()

    async def __aenter__(self) -> Harness:
        return await self.open()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # Names

    def database_name(self, role: str) -> str:
        """``praxis_test_<token>_<role>``; ``role`` is lower-case letters, digits and ``_``."""
        return run_database_name(self.token, role)

    def worker_database_name(self, worker_id: str, suffix: str = "") -> str:
        """``praxis_test_<token>_gw0``: the xdist worker (``main`` without xdist), then ``suffix``."""
        worker = "main" if worker_id == "master" else worker_id
        return self.database_name(f"{worker}_{suffix}" if suffix else worker)

    def owns(self, name: str) -> bool:
        return name.startswith(f"{OWNED_PREFIX}_{self.token}_")

    def _own(self, name: str) -> str:
        if not self.owns(name):
            raise UnsafeDatabaseError(
                f"refusing to create or drop {name!r}: not a database of this harness "
                f"({OWNED_PREFIX}_{self.token}_*)"
            )
        return owned(name)

    # Operations, each under one hold of the harness lock

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[asyncpg.Connection]:
        """The keeper connection, holding the harness lock for the duration of one operation."""
        if self._keeper is None or self._serial is None:
            raise HarnessError("the harness is not open")
        async with self._serial:
            keeper = self._keeper
            await keeper.execute("SELECT pg_advisory_lock($1)", HARNESS_LOCK_KEY)
            try:
                yield keeper
            finally:
                if not keeper.is_closed():
                    await keeper.execute("SELECT pg_advisory_unlock($1)", HARNESS_LOCK_KEY)

    async def prepare_worker_database(
        self, name: str, migrations: str | None = None, *, non_durable: bool = True
    ) -> str:
        """All a test process needs before its first test, in one hold of the lock: durability off
        (on the embedded server, if ``non_durable``), orphans dropped, the template ready, ``name``
        cloned from it. Returns its SQLAlchemy URL."""
        async with self._locked() as connection:
            if non_durable:
                await ensure_non_durable(self.server, connection)
            await drop_orphans(connection)
            return await self._clone(connection, name, migrations)

    async def clone(self, name: str, migrations: str | None = None, revision: str = "head") -> str:
        """(Re)create ``name`` from the template (of ``revision``: migrated that far), preparing the
        template in the same hold of the lock."""
        async with self._locked() as connection:
            return await self._clone(connection, name, migrations, revision)

    async def create_empty(self, name: str) -> str:
        """(Re)create ``name`` with no schema at all."""
        async with self._locked() as connection:
            return await self._create(connection, name, None)

    async def template(self, migrations: str | None = None) -> Template:
        """The template of ``migrations`` (default: the checkout's), built if missing, now in use by
        this process until it closes."""
        async with self._locked() as connection:
            return await self._use_template(connection, migrations)

    async def drop(self, name: str) -> None:
        """Drop one of this process's databases (``FORCE``: it is ours), then release its lock."""
        quoted = self._own(name)
        async with self._locked() as connection:
            await connection.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
            await self._release(connection, name)

    async def drop_orphans(self) -> list[str]:
        """Drop the databases of runs that are gone (their lock free); return their names."""
        async with self._locked() as connection:
            return await drop_orphans(connection)

    async def drop_template(self, name: str) -> bool:
        """Stop using template ``name`` and drop it if no other run uses it or is connected to it."""
        if not name.startswith(TEMPLATE_PREFIX):
            raise UnsafeDatabaseError(f"refusing to drop {name!r} as a template: not {TEMPLATE_PREFIX}*")
        async with self._locked() as connection:
            if name in self._templates:
                await connection.execute("SELECT pg_advisory_unlock_shared($1)", template_lock_key(name))
                self._templates.discard(name)
            return name in await sweep(connection, [name], template_lock_key)

    async def create_kept(self, name: str, migrations: str | None = None) -> str:
        """(Re)create the kept database ``name`` from the template, held by this process until it ends.

        Refused (``KeptDatabaseInUseError``) when another live run holds a database of that name or
        someone is connected to it: a kept database is never dropped under a reader.
        """
        async with self._locked() as connection:
            await kept.claim(connection, name, self._kept)
            template = await self._use_template(connection, migrations)
            await kept.recreate(connection, name, template.name)
        return self.server.url_for(name)

    async def drop_kept(self, name: str) -> None:
        """Drop the kept database ``name`` now (``FORCE``), and release this process's lock on it."""
        kept_name(name)  # refused before waiting for the lock
        async with self._locked() as connection:
            await kept.drop(connection, name, self._kept)

    async def drop_kept_databases(self, namespace: str = "") -> list[str]:
        """Drop the kept databases of ``namespace`` that no live run holds and no one is connected to."""
        async with self._locked() as connection:
            return await kept.sweep_kept(connection, namespace)

    # Steps, on the keeper connection that holds the harness lock

    async def _claim(self, connection: asyncpg.Connection, name: str) -> None:
        """Take ``name``'s liveness lock (before the database exists) unless this process holds it."""
        if name not in self._claimed:
            await connection.execute("SELECT pg_advisory_lock($1)", database_lock_key(name))
            self._claimed.add(name)

    async def _release(self, connection: asyncpg.Connection, name: str) -> None:
        if name in self._claimed:
            await connection.execute("SELECT pg_advisory_unlock($1)", database_lock_key(name))
            self._claimed.discard(name)

    async def _create(self, connection: asyncpg.Connection, name: str, template: str | None) -> str:
        quoted = self._own(name)
        await self._claim(connection, name)
        await connection.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        source = f" TEMPLATE {owned(template)}" if template else ""
        try:
            await connection.execute(f"CREATE DATABASE {quoted}{source}")
        except asyncpg.InsufficientPrivilegeError as exc:
            raise HarnessSetupError(f"{createdb_advice(self._role)} (PostgreSQL: {exc})") from exc
        return self.server.url_for(name)

    async def _clone(
        self, connection: asyncpg.Connection, name: str, migrations: str | None, revision: str = "head"
    ) -> str:
        template = await self._use_template(connection, migrations, revision)
        try:
            return await self._create(connection, name, template.name)
        except asyncpg.InvalidCatalogNameError:
            # Dropped between the check and the clone by a run that takes none of these locks (a
            # harness of an older checkout): build it again, once.
            template = await self._use_template(connection, migrations, revision)
            return await self._create(connection, name, template.name)

    async def _use_template(
        self, connection: asyncpg.Connection, migrations: str | None, revision: str = "head"
    ) -> Template:
        name = template_name(migrations or migrations_hash(), self._role, revision)
        built = False
        if not await database_exists(connection, name):
            await self._build_template(connection, name, revision)
            built = True
        if name not in self._templates:
            await connection.execute("SELECT pg_advisory_lock_shared($1)", template_lock_key(name))
            self._templates.add(name)
        await drop_stale_templates(connection, current=name)
        return Template(name=name, built=built)

    async def _build_template(self, connection: asyncpg.Connection, name: str, revision: str) -> None:
        """``alembic upgrade <revision>`` into a database of this process, renamed into place."""
        building = self.database_name("build")
        await self._create(connection, building, None)
        try:
            await build_template(connection, self.server, building, name, revision)
        finally:
            await connection.execute(f"DROP DATABASE IF EXISTS {owned(building)} WITH (FORCE)")
            await self._release(connection, building)


async def prepare_template(server: TestServer, migrations: str | None = None) -> Template:
    """The migrated template for the current migrations, built if missing, for inspecting it.

    No run's use of it is recorded once this returns: to clone from it, use a ``Harness``."""
    async with Harness(server) as harness:
        return await harness.template(migrations)
