"""Section 6: statements per list read, at 10 and at 1,000 rows, and what each read costs.

The target: ``GET /api/v1/decks/types?limit=100`` and ``GET /api/v1/protocols/runs?limit=100`` send the
same number of statements whether the table holds 10 rows or 1,000. A list whose children (a deck
type's positions, a run's function call logs) were loaded per row would send one more statement per
row on the page: 11 at 10 rows, 101 at 1,000. The repositories load them with ``selectinload``, so a
page costs a fixed handful of statements however long the table and the page are.

How it is measured, with the pieces the other sections use:

1. one bench database cloned from the tests' template; for each route and each row count a session
   of its own from ``isolated_session`` (what the ``db_session`` fixture gives), all four open at
   once so their timings can be interleaved round by round;
2. each session is seeded with the builders: deck types by ``create_batch`` with three positions
   each; runs by ``create_batch`` and three ``append_call`` per run, for every run, so the child
   table grows with the parent table as it does in use. The session's identity map is then emptied,
   so the reads build their objects from rows as a production request (a fresh session) does;
3. the app from ``create_app()`` is bound to each session's connection by ``app_client`` (what the
   ``client`` fixture does, an API token included): every GET is production's unit of work, in a
   SAVEPOINT of its own, its token checked with one indexed read;
4. after one warm-up GET (SQLAlchemy's compiled cache, asyncpg's prepared statements), one GET is
   counted with ``tests.harness.queries.counting`` on the session's connection, and every response is
   checked: 200, ``min(limit, rows)`` items, ``X-Total-Count`` equal to the rows, every item with all
   its children. A wrong answer fails the section rather than reporting counts of a broken read;
5. the GETs are then timed in interleaved rounds (``bench.timing.interleave``), a batch per sample.

The statement counts are the same in every run and on every machine; the timings are of the whole
request in-process (routing, validation, the queries, serialisation), without a network.
"""

from __future__ import annotations

import statistics
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from bench.databases import BenchDatabases
from bench.timing import Figure, Measure, Stopwatch, Variant, interleave, per_unit
from tests.builders import Builders
from tests.harness.queries import QueryLog, counting
from tests.harness.session import app_client, isolated_session

ROUTES = ("/api/v1/decks/types", "/api/v1/protocols/runs")
LIMIT = 100
QUERY = f"?limit={LIMIT}"
ROW_COUNTS = (10, 1_000)
#: ``--quick``: seeding 1,000 runs takes about 6 s (3,000 ``append_call``, each in a SAVEPOINT of its
#: own) and nearly doubles the section; 200 rows still fill the page twice over
QUICK_ROW_COUNTS = (10, 200)
POSITIONS = [
    {"name": f"rail-{rail}", "x_mm": 77.5 + 22.5 * rail, "y_mm": 63.0, "z_mm": 100.0} for rail in (1, 2, 3)
]
CALLS = ("aspirate", "dispense", "mix")
#: deck types are created this many at a time: ``DeckDefinitionRepository.create_many`` matches each
#: new position to its deck type with a scan of all the batch's positions, so one batch of 1,000 deck
#: types (3,000 positions) takes about 2.3 s where ten batches of 100 take about 0.6 s.
DECK_TYPE_BATCH = 100


@dataclass
class Skipped:
    reason: str


class ListReadError(RuntimeError):
    """A list read answered wrongly: its statement count would describe a broken read."""


def missing_routes() -> list[str]:
    """The list routes of this section that the application does not serve (GET) yet.

    Read from the OpenAPI schema rather than ``app.routes``: FastAPI may keep included routers as
    lazily expanded entries there, while the schema always lists every operation."""
    from praxis.backend.api.app import create_app

    paths = create_app().openapi().get("paths", {})
    served = {path.rstrip("/") for path, operations in paths.items() if "get" in operations}
    return [route for route in ROUTES if route not in served]


# -- seeding ----------------------------------------------------------------------------------------
async def seed_deck_definitions(repos: Builders, rows: int) -> None:
    for start in range(0, rows, DECK_TYPE_BATCH):
        await repos.deck_definition.create_batch(min(DECK_TYPE_BATCH, rows - start), positions=POSITIONS)


async def seed_runs(repos: Builders, rows: int) -> None:
    for run in await repos.protocol_run.create_batch(rows):
        for function_name in CALLS:
            await repos.protocol_run.repository.append_call(run, function_name=function_name)


SEEDERS = {"/api/v1/decks/types": seed_deck_definitions, "/api/v1/protocols/runs": seed_runs}
#: the children every item of a route's page carries, and how many each has
CHILDREN = {
    "/api/v1/decks/types": ("positions", len(POSITIONS)),
    "/api/v1/protocols/runs": ("function_calls", len(CALLS)),
}


def read_key(route: str, rows: int) -> str:
    """``decks_types_1000``: the figure key of a route at a row count."""
    return f"{route.removeprefix('/api/v1/').replace('/', '_')}_{rows}"


@dataclass
class ListRead:
    """One route over one seeded session, with the app's client on that session."""

    route: str
    rows: int
    session: AsyncSession
    client: httpx.AsyncClient
    seed_s: float

    @property
    def url(self) -> str:
        return self.route + QUERY

    @property
    def key(self) -> str:
        return read_key(self.route, self.rows)

    def counting(self) -> Any:
        connection = self.session.bind
        assert isinstance(connection, AsyncConnection)
        return counting(connection.sync_connection)  # type: ignore[arg-type]

    def check(self, response: httpx.Response) -> None:
        """200, a full page, the right total, every item with all its children."""
        expected = min(LIMIT, self.rows)
        children, per_item = CHILDREN[self.route]
        problems: list[str] = []
        if response.status_code != 200:
            raise ListReadError(
                f"GET {self.url} at {self.rows} rows: {response.status_code} {response.text[:300]}"
            )
        items = response.json()
        if len(items) != expected:
            problems.append(f"{len(items)} items, expected {expected}")
        if response.headers.get("X-Total-Count") != str(self.rows):
            problems.append(f"X-Total-Count {response.headers.get('X-Total-Count')}, expected {self.rows}")
        short = [item["accession_id"] for item in items if len(item[children]) != per_item]
        if short:
            problems.append(f"{len(short)} items without {per_item} {children}")
        if problems:
            raise ListReadError(f"GET {self.url} at {self.rows} rows: {'; '.join(problems)}")


async def open_read(stack: AsyncExitStack, engine: AsyncEngine, route: str, rows: int) -> ListRead:
    from praxis.backend.api.app import create_app

    session = await stack.enter_async_context(isolated_session(engine))
    with Stopwatch() as watch:
        await SEEDERS[route](Builders(session), rows)
    # A request's session starts empty in production: drop the seeded objects so the reads build
    # theirs from rows rather than refreshing objects already in the identity map.
    session.expunge_all()
    client = await stack.enter_async_context(app_client(session, app=create_app()))  # with a token
    return ListRead(route, rows, session, client, round(watch.seconds, 2))


async def count_statements(read: ListRead) -> QueryLog:
    """The statements of one GET, after a warm-up GET; both responses are checked."""
    read.check(await read.client.get(read.url))
    with read.counting() as log:
        response = await read.client.get(read.url)
    read.check(response)
    return log


def _timed(read: ListRead, batch: int) -> Measure:
    async def measure() -> float:
        with Stopwatch() as watch:
            for _ in range(batch):
                response = await read.client.get(read.url)
                if response.status_code != 200:
                    read.check(response)
        return per_unit(watch.seconds, batch)

    return measure


async def measure_list_reads(
    databases: BenchDatabases,
    *,
    rounds: int,
    batch: int,
    row_counts: tuple[int, ...] = ROW_COUNTS,
) -> list[Figure]:
    """Statement counts (one figure per route and row count) and timings (likewise) of the list GETs."""
    database = await databases.clone("lists")
    engine = create_async_engine(database.url, pool_size=len(ROUTES) * len(row_counts), max_overflow=2)
    statements: list[Figure] = []
    timings: list[Figure] = []
    try:
        async with AsyncExitStack() as stack:
            reads = [await open_read(stack, engine, route, rows) for route in ROUTES for rows in row_counts]
            logs = {read.key: await count_statements(read) for read in reads}
            variants = [
                Variant(read.key, f"GET {read.url}, {read.rows:,} rows", _timed(read, batch), batch)
                for read in reads
            ]
            measured = await interleave(variants, rounds)
    finally:
        await engine.dispose()

    for read in reads:
        log = logs[read.key]
        children, per_item = CHILDREN[read.route]
        statements.append(
            Figure(
                f"{read.key}_statements",
                f"statements: GET {read.url}, {read.rows:,} rows",
                "statements",
                [float(log.count)],
                extra={
                    "route": read.route,
                    "rows": read.rows,
                    "items": min(LIMIT, read.rows),
                    "children_per_item": {children: per_item},
                    "statements_per_request": log.count,
                    "statement_kinds": dict(Counter(log.kinds())),
                    "statements": [_shorten(statement) for statement in log.statements],
                    "seed_s": read.seed_s,
                },
            )
        )
        figure = Figure(
            f"{read.key}_ms",
            f"time: GET {read.url}, {read.rows:,} rows ({min(LIMIT, read.rows)} items)",
            "ms/request",
            measured.samples[read.key],
            batch,
            extra={"route": read.route, "rows": read.rows},
        )
        smallest = min(row_counts)
        if read.rows != smallest:
            reference = read_key(read.route, smallest)
            figure.ratio = figure.median / statistics.median(measured.samples[reference])
            figure.ratio_means = f"ms at {read.rows:,} rows / ms at {smallest:,} rows"
            figure.paired_ratio = measured.paired_ratio(read.key, reference)
            figure.extra["reference_rows"] = smallest
        timings.append(figure)
    return statements + timings


def _shorten(statement: str) -> str:
    """The statement on one line, cut at 90 characters: enough to see what it is."""
    first = " ".join(statement.split())
    return first if len(first) <= 90 else first[:87] + "..."


def title(row_counts: tuple[int, ...]) -> str:
    return f"6. Statements per list read at {' and '.join(f'{rows:,}' for rows in row_counts)} rows"


async def run(
    databases: BenchDatabases, *, rounds: int, batch: int, row_counts: tuple[int, ...] = ROW_COUNTS
) -> list[Figure] | Skipped:
    try:
        missing = missing_routes()
    except Exception as error:  # the app is someone else's work in progress: report, don't crash
        return Skipped(f"could not read the app's routes ({type(error).__name__}: {str(error)[:160]})")
    if missing:
        return Skipped(f"routes not in the app yet: {', '.join(missing)}")
    return await measure_list_reads(databases, rounds=rounds, batch=batch, row_counts=row_counts)
