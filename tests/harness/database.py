"""Test databases: server, safety guard, migrated template and per-process databases.

The flow, once per pytest process (each xdist worker is one):

1. ``resolve_server()``: ``TEST_DATABASE_URL`` if set (its database must be named like a test
   database), else the embedded server in the user cache directory, with durability switched off.
2. ``Harness(server).open()``: a *keeper* connection to the server's lock database that lives as long
   as the process. The advisory locks it holds are how every other run on the server knows what this
   process still uses.
3. ``harness.prepare_worker_database(name)``: under the harness lock, in one hold: durability off
   (embedded only), orphans dropped, the template ``praxis_test_tpl_<hash>`` built or reused (the hash
   covers ``alembic/env.py``, ``alembic/versions`` and the role), the worker database cloned from it.

Many runs may share one server (CI runners, containers, checkouts), so nothing here relies on the
local machine:

* Names: a process's databases are ``praxis_test_<token>_<role>``, ``<token>`` twelve random
  characters drawn per process, so two hosts or two PID namespaces never pick the same name and a
  ``DROP ... WITH (FORCE)`` only ever hits the process's own database.
* Liveness: before creating a database the process takes a session-level advisory lock keyed on its
  name on the keeper connection and keeps it until the database is dropped. A database is an orphan
  only if no session on the server holds that lock (``pg_locks`` is server-wide, so this holds
  whichever database the other run's keeper sits in) and no one is connected to it
  (``pg_stat_activity``): busy databases are skipped at once, never waited on under the lock.
* One harness lock per server: every harness takes it in the same database, ``postgres`` (advisory
  locks are per database). A role that may not connect there falls back to the database its URL
  names, with a warning: such runs are serialised only with runs naming that same database (liveness
  stays safe, being read from ``pg_locks``).
* Templates: a run holds a shared advisory lock on its template for as long as it may clone from it;
  the template is prepared and cloned under one hold of the harness lock. Another template of the same
  role is dropped only when no session holds its lock, no one is connected, and it is older (a lower
  OID: created earlier) than the one being used, so checkouts with different migrations coexist.

Every CREATE and DROP goes through ``_owned()``: the harness only touches databases named
``praxis_test...``, so it can never drop something it did not create.

Kept databases (``--praxis-keep-failed``): ``praxis_test_failed_<test>_<hash>``, a failed test's rows
copied out for inspection. They outlive their run on purpose, so they are not run databases (the
orphan sweep's pattern never matches them, see ``_RUN_DATABASE``) and go through a guard of their own,
``_kept()``, on top of ``_owned()``. The run that kept one holds a shared advisory lock on its name for
as long as it lives; the next run that uses the option drops every kept database whose lock nobody
holds and that nobody is connected to (a ``psql`` still open on one keeps it).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
import string
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import platformdirs
from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend.db.embedded import NON_DURABLE_SETTINGS, start_embedded_server
from praxis.backend.db.migrations import ALEMBIC_DIR, run_on_engine

OWNED_PREFIX = "praxis_test"
TEMPLATE_PREFIX = f"{OWNED_PREFIX}_tpl_"
# Where every harness on a server takes its lock: the maintenance database every server has.
LOCK_DATABASE = "postgres"
TOKEN_LENGTH = 12
_TOKEN = re.compile(rf"[a-z][a-z0-9]{{{TOKEN_LENGTH - 1}}}")
# The databases of a harness run: praxis_test_<token>_<role>. No other name the harness ever used has
# twelve characters between the prefix and the next "_" (``tpl``, ``bench``, ``gw0``, ``main``).
_RUN_DATABASE = re.compile(rf"^{OWNED_PREFIX}_({_TOKEN.pattern})_[a-z0-9_]+$")
_ROLE = re.compile(r"[a-z][a-z0-9_]*")
KEPT_PREFIX = f"{OWNED_PREFIX}_failed_"
_KEPT_DATABASE = re.compile(rf"^{KEPT_PREFIX}[a-z0-9_]*[a-z0-9]_[0-9a-f]{{8}}$")
_MAX_NAME = 63  # PostgreSQL's NAMEDATALEN - 1
# ``test`` as a whole word of the database name: ``test_db``, ``praxis_ci_test``, ``some-test``.
_TEST_WORD = re.compile(r"(?:^|[_-])test(?:$|[_-])", re.IGNORECASE)


def _lock_key(kind: str, name: str) -> int:
    """A 64-bit advisory-lock key for ``kind`` (``harness``, ``database``, ``template``) and a name."""
    return int.from_bytes(
        hashlib.sha256(f"praxis test {kind}:{name}".encode()).digest()[:8], "big", signed=True
    )


# One advisory-lock key for every harness on a server: template builds, clones and drops are serialised.
HARNESS_LOCK_KEY = int.from_bytes(hashlib.sha256(b"praxis test harness").digest()[:8], "big", signed=True)
_UNSIGNED = (1 << 64) - 1


class UnsafeDatabaseError(RuntimeError):
    """The harness was pointed at a database it must not touch."""


class HarnessSetupError(RuntimeError):
    """The server or role cannot host test databases; the message says what to change."""


class KeptDatabaseInUseError(RuntimeError):
    """A kept database of that name is held by another live run, or someone is connected to it."""


class HarnessWarning(UserWarning):
    """The harness works, but with less protection than it is meant to have."""


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
    if not url.database or not _TEST_WORD.search(url.database):
        raise UnsafeDatabaseError(
            f"TEST_DATABASE_URL names the database {url.database!r}; the test harness only runs against "
            "a database whose name holds 'test' as a whole word (delimited by '_', '-' or the ends of "
            "the name: 'test_db', 'praxis_ci_test', 'some-test'), so that it can never touch real data"
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
    # left running when the run ends, so the next run (the inner loop) joins it instead of starting
    # PostgreSQL again: about half a second per run; ``python -m tests.harness.stop`` stops it
    url = start_embedded_server(test_data_dir(), stop_at_exit=False)
    return TestServer(admin_url=make_url(url), embedded=True)


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


def new_token() -> str:
    """Twelve random characters (a letter first): unique across hosts, containers and checkouts."""
    alphabet = string.ascii_lowercase + string.digits
    return secrets.choice(string.ascii_lowercase) + "".join(
        secrets.choice(alphabet) for _ in range(TOKEN_LENGTH - 1)
    )


def _owned(name: str) -> str:
    if not name.startswith(OWNED_PREFIX):
        raise UnsafeDatabaseError(f"refusing to create or drop {name!r}: not a {OWNED_PREFIX}* database")
    return '"' + name.replace('"', '""') + '"'


def kept_database_name(nodeid: str) -> str:
    """``praxis_test_failed_<test>_<hash>`` for the test whose pytest node id is ``nodeid``.

    ``<test>`` is the test's name with its parameters (``test_rename[bay-1]``), lower-cased, every run
    of other characters one ``_``, cut to fit PostgreSQL's 63 characters; ``<hash>`` is eight hex
    digits of the whole node id, so tests of the same name in two modules never share a database.
    """
    test = nodeid.rpartition("::")[2] or nodeid
    stem = re.sub(r"[^a-z0-9]+", "_", test.lower()).strip("_") or "test"
    digest = hashlib.sha256(nodeid.encode()).hexdigest()[:8]
    room = _MAX_NAME - len(KEPT_PREFIX) - 1 - len(digest)
    return f"{KEPT_PREFIX}{stem[:room].rstrip('_') or 'test'}_{digest}"


def kept_lock_key(name: str) -> int:
    """The advisory-lock key that says a live run still holds the kept database ``name``."""
    return _lock_key("kept", name)


def _kept(name: str) -> str:
    """The guard for kept databases: ``_owned()``'s, and the exact shape ``kept_database_name`` gives."""
    if not _KEPT_DATABASE.fullmatch(name):
        raise UnsafeDatabaseError(f"refusing to keep or drop {name!r}: not a {KEPT_PREFIX}<test>_<hash> name")
    return _owned(name)


def createdb_advice(role: str) -> str:
    return (
        f"the role {role!r} may not create databases, and the test harness creates one per test process "
        f"(all named {OWNED_PREFIX}*). As a superuser: ALTER ROLE {_quote(role)} CREATEDB;"
    )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def require_createdb(connection: asyncpg.Connection, role: str | None = None) -> None:
    """Fail with the statement to run when ``role`` (default: the connected one) lacks CREATEDB."""
    role = role or await connection.fetchval("SELECT current_user")
    allowed = await connection.fetchval(
        "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = $1", role
    )
    if not allowed:
        raise HarnessSetupError(createdb_advice(role))


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


async def database_exists(connection: asyncpg.Connection, name: str) -> bool:
    return bool(await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))


async def _held_keys(connection: asyncpg.Connection) -> set[int]:
    """Every advisory lock key held or awaited by any session, in any database of the server."""
    rows = await connection.fetch(
        "SELECT DISTINCT (classid::bigint << 32) | objid::bigint AS key FROM pg_locks"
        " WHERE locktype = 'advisory' AND objsubid = 1"
    )
    return {row["key"] & _UNSIGNED for row in rows}


async def _busy(connection: asyncpg.Connection, names: list[str]) -> set[str]:
    """The databases among ``names`` that someone is connected to."""
    rows = await connection.fetch(
        "SELECT DISTINCT datname FROM pg_stat_activity WHERE datname = ANY($1::text[])", names
    )
    return {row["datname"] for row in rows}


async def _drop_if_unused(connection: asyncpg.Connection, name: str) -> bool:
    """Drop another run's (or nobody's) database without FORCE; refused or vanished means False."""
    try:
        await connection.execute(f"DROP DATABASE {_owned(name)}")
    except (asyncpg.ObjectInUseError, asyncpg.InsufficientPrivilegeError, asyncpg.InvalidCatalogNameError):
        return False  # connected to after all, another role's, or dropped by someone else first
    return True


async def _drop_orphans(connection: asyncpg.Connection) -> list[str]:
    """Drop run databases whose liveness lock nobody holds and that nobody is connected to."""
    rows = await connection.fetch(
        "SELECT datname FROM pg_database WHERE datname ~ $1 ORDER BY datname", _RUN_DATABASE.pattern
    )
    if not rows:
        return []
    held = await _held_keys(connection)
    candidates = [
        row["datname"] for row in rows if _lock_key("database", row["datname"]) & _UNSIGNED not in held
    ]
    if not candidates:
        return []
    busy = await _busy(connection, candidates)
    return [name for name in candidates if name not in busy and await _drop_if_unused(connection, name)]


async def _drop_stale_templates(connection: asyncpg.Connection, current: str) -> list[str]:
    """Drop this role's templates that are older than ``current`` and that no run uses or is connected to."""
    rows = await connection.fetch(
        "SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2"
        " AND pg_get_userbyid(datdba) = current_user"
        " AND oid < (SELECT oid FROM pg_database WHERE datname = $2)",
        TEMPLATE_PREFIX.replace("_", r"\_") + "%",
        current,
    )
    if not rows:
        return []
    held = await _held_keys(connection)
    candidates = [
        row["datname"] for row in rows if _lock_key("template", row["datname"]) & _UNSIGNED not in held
    ]
    if not candidates:
        return []
    busy = await _busy(connection, candidates)
    return [name for name in candidates if name not in busy and await _drop_if_unused(connection, name)]


async def ensure_non_durable(server: TestServer, connection: asyncpg.Connection) -> None:
    """Switch fsync and friends off on the embedded test server (only there: never on a real server)."""
    if not server.embedded or await connection.fetchval("SHOW fsync") == "off":
        return
    for name, value in NON_DURABLE_SETTINGS.items():
        await connection.execute(f"ALTER SYSTEM SET {name} = {value}")
    await connection.execute("SELECT pg_reload_conf()")


async def prepare_template(server: TestServer, migrations: str | None = None) -> Template:
    """The migrated template for the current migrations, built if missing, for inspecting it.

    No run's use of it is recorded once this returns: to clone from it, use a ``Harness``."""
    async with Harness(server) as harness:
        return await harness.template(migrations)


class Harness:
    """One test process's presence on a server: its token, and the keeper connection whose advisory
    locks tell every other run which databases and which template this process still uses.

    Closing it (or the process dying) releases them all at once; databases it did not drop are then
    orphans, dropped by whichever run sweeps next.
    """

    def __init__(self, server: TestServer, token: str | None = None) -> None:
        self.server = server
        self.token = new_token() if token is None else token
        if not _TOKEN.fullmatch(self.token):
            raise ValueError(f"a harness token is a letter and {TOKEN_LENGTH - 1} [a-z0-9]: {self.token!r}")
        self._keeper: asyncpg.Connection | None = None
        self._serial: asyncio.Lock | None = None  # one operation at a time on the keeper connection
        self._role = ""
        self._claimed: set[str] = set()  # databases whose liveness lock the keeper holds
        self._templates: set[str] = set()  # templates the keeper holds a shared lock on
        self._kept: set[str] = set()  # kept databases the keeper holds a shared lock on

    async def open(self) -> Harness:
        keeper = await connect_lock_database(self.server)
        try:
            self._role = await keeper.fetchval("SELECT current_user")
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
        if not _ROLE.fullmatch(role):
            raise ValueError(f"a database role is lower-case letters, digits and '_': {role!r}")
        name = f"{OWNED_PREFIX}_{self.token}_{role}"
        if len(name) > 63:
            raise ValueError(f"{name!r} is longer than PostgreSQL's 63-character names")
        return name

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
        return _owned(name)

    # Operations, each under one hold of the harness lock

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[asyncpg.Connection]:
        """The keeper connection, holding the harness lock for the duration of one operation."""
        if self._keeper is None or self._serial is None:
            raise RuntimeError("the harness is not open")
        async with self._serial:
            keeper = self._keeper
            await keeper.execute("SELECT pg_advisory_lock($1)", HARNESS_LOCK_KEY)
            try:
                yield keeper
            finally:
                if not keeper.is_closed():
                    await keeper.execute("SELECT pg_advisory_unlock($1)", HARNESS_LOCK_KEY)

    async def prepare_worker_database(self, name: str, migrations: str | None = None) -> str:
        """All a test process needs before its first test, in one hold of the lock: durability off,
        orphans dropped, the template ready, ``name`` cloned from it. Returns its SQLAlchemy URL."""
        async with self._locked() as connection:
            await ensure_non_durable(self.server, connection)
            await _drop_orphans(connection)
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
            return await _drop_orphans(connection)

    async def drop_template(self, name: str) -> bool:
        """Stop using template ``name`` and drop it if no other run uses it or is connected to it."""
        if not name.startswith(TEMPLATE_PREFIX):
            raise UnsafeDatabaseError(f"refusing to drop {name!r} as a template: not {TEMPLATE_PREFIX}*")
        async with self._locked() as connection:
            if name in self._templates:
                await connection.execute("SELECT pg_advisory_unlock_shared($1)", _lock_key("template", name))
                self._templates.discard(name)
            if _lock_key("template", name) & _UNSIGNED in await _held_keys(connection):
                return False
            if await _busy(connection, [name]):
                return False
            return await _drop_if_unused(connection, name)

    async def create_kept(self, name: str, migrations: str | None = None) -> str:
        """(Re)create the kept database ``name`` from the template, held by this process until it ends.

        Refused (``KeptDatabaseInUseError``) when another live run holds a database of that name or
        someone is connected to it: a kept database is never dropped under a reader.
        """
        quoted = _kept(name)
        key = kept_lock_key(name)
        async with self._locked() as connection:
            if name not in self._kept:
                if await database_exists(connection, name) and key & _UNSIGNED in await _held_keys(
                    connection
                ):
                    raise KeptDatabaseInUseError(f"{name} is held by another test run that is still going")
                await connection.execute("SELECT pg_advisory_lock_shared($1)", key)
                self._kept.add(name)
            try:
                # no FORCE: a kept database is never dropped under a reader
                await connection.execute(f"DROP DATABASE IF EXISTS {quoted}")
            except asyncpg.ObjectInUseError as exc:
                raise KeptDatabaseInUseError(f"{name} is open in another session: {exc}") from exc
            template = await self._use_template(connection, migrations)
            await connection.execute(f"CREATE DATABASE {quoted} TEMPLATE {_owned(template.name)}")
        return self.server.url_for(name)

    async def drop_kept(self, name: str) -> None:
        """Drop the kept database ``name`` now (``FORCE``), and release this process's lock on it."""
        quoted = _kept(name)
        async with self._locked() as connection:
            await connection.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
            if name in self._kept:
                await connection.execute("SELECT pg_advisory_unlock_shared($1)", kept_lock_key(name))
                self._kept.discard(name)

    async def drop_kept_databases(self) -> list[str]:
        """Drop the kept databases of earlier runs: those no live run holds and no one is connected to."""
        async with self._locked() as connection:
            rows = await connection.fetch(
                "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname", KEPT_PREFIX
            )
            names = [row["datname"] for row in rows if _KEPT_DATABASE.fullmatch(row["datname"])]
            if not names:
                return []
            held = await _held_keys(connection)
            free = [name for name in names if kept_lock_key(name) & _UNSIGNED not in held]
            busy = await _busy(connection, free) if free else set()
            return [name for name in free if name not in busy and await _drop_if_unused(connection, name)]

    # Steps, on the keeper connection that holds the harness lock

    async def _claim(self, connection: asyncpg.Connection, name: str) -> None:
        """Take ``name``'s liveness lock (before the database exists) unless this process holds it."""
        if name not in self._claimed:
            await connection.execute("SELECT pg_advisory_lock($1)", _lock_key("database", name))
            self._claimed.add(name)

    async def _release(self, connection: asyncpg.Connection, name: str) -> None:
        if name in self._claimed:
            await connection.execute("SELECT pg_advisory_unlock($1)", _lock_key("database", name))
            self._claimed.discard(name)

    async def _create(self, connection: asyncpg.Connection, name: str, template: str | None) -> str:
        quoted = self._own(name)
        await self._claim(connection, name)
        await connection.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        source = f" TEMPLATE {_owned(template)}" if template else ""
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
            await connection.execute("SELECT pg_advisory_lock_shared($1)", _lock_key("template", name))
            self._templates.add(name)
        await _drop_stale_templates(connection, current=name)
        return Template(name=name, built=built)

    async def _build_template(
        self, connection: asyncpg.Connection, name: str, revision: str = "head"
    ) -> None:
        """``alembic upgrade <revision>`` into a database of this process, renamed into place once migrated."""
        building = self.database_name("build")
        await self._create(connection, building, None)
        try:
            engine = create_async_engine(self.server.url_for(building), poolclass=NullPool)
            try:
                await run_on_engine(engine, "upgrade", revision)
            finally:
                await engine.dispose()
            # Built meanwhile by a run that took its lock in another database: use that one.
            with suppress(asyncpg.DuplicateDatabaseError):
                await connection.execute(f"ALTER DATABASE {_owned(building)} RENAME TO {_owned(name)}")
        finally:
            await connection.execute(f"DROP DATABASE IF EXISTS {_owned(building)} WITH (FORCE)")
            await self._release(connection, building)


def turn_key(purpose: str) -> int:
    return _lock_key("turn", purpose)


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


# The harness of this test process, one per server: the fixtures of ``tests/conftest.py`` share it.
_process_harnesses: dict[TestServer, Harness] = {}


async def process_harness(server: TestServer) -> Harness:
    """This process's harness for ``server``, opened on first use; ``close_process_harness`` ends it."""
    harness = _process_harnesses.get(server)
    if harness is None or not harness.is_open:
        harness = await Harness(server).open()
        _process_harnesses[server] = harness
    return harness


async def close_process_harness(server: TestServer) -> None:
    harness = _process_harnesses.pop(server, None)
    if harness is not None:
        await harness.close()


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
