"""Section 6: statements per list read, at 10 and at 1,000 rows. PLACEHOLDER.

The target: ``GET /api/v1/decks/types?limit=100`` and ``GET /api/v1/protocols/runs?limit=100`` send the
same number of statements whether the table holds 10 rows or 1,000 (no N+1 loading of positions or
call logs). The benchmark was written before the routes; ``measure_list_reads`` below is left for the
person who owns them to fill in. Until then the runner reports this section as skipped, with the
reason (routes missing, or measurement not written), instead of failing.

How it is meant to work, with the pieces the other sections already use:

1. ``database = await databases.clone("lists")`` and an engine on ``database.url``;
2. for each ``rows`` in ``ROW_COUNTS``: ``async with isolated_session(engine) as session``, seed with
   ``Builders(session).deck_definition.create_batch(rows)`` (or ``protocol_run.create_batch``);
3. build the app with ``praxis.backend.api.app.create_app()``, override its ``get_session``
   dependency to yield ``session`` (as the ``client`` fixture in ``tests/conftest.py`` does), and
   call the route through
   ``httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")``;
4. count with ``tests.harness.queries.counting(session.bind.sync_connection)`` around the request;
5. return one ``Figure`` per route and row count (unit "statements", samples ``[log.count]``,
   ``extra={"route": route, "rows": rows, "statements": log.statements}``); ``bench.report`` then
   checks that both row counts of a route give the same count.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.databases import BenchDatabases
from bench.timing import Figure

ROUTES = ("/api/v1/decks/types", "/api/v1/protocols/runs")
QUERY = "?limit=100"
ROW_COUNTS = (10, 1_000)


@dataclass
class Skipped:
    reason: str


def missing_routes() -> list[str]:
    """The list routes of this section that the application does not serve (GET) yet.

    Read from the OpenAPI schema rather than ``app.routes``: FastAPI may keep included routers as
    lazily expanded entries there, while the schema always lists every operation."""
    from praxis.backend.api.app import create_app

    paths = create_app().openapi().get("paths", {})
    served = {path.rstrip("/") for path, operations in paths.items() if "get" in operations}
    return [route for route in ROUTES if route not in served]


async def measure_list_reads(databases: BenchDatabases) -> list[Figure]:
    """PLACEHOLDER: fill in once the routes exist (see the module docstring for the recipe)."""
    raise NotImplementedError("list-read statement counts are not written yet")


async def run(databases: BenchDatabases) -> list[Figure] | Skipped:
    try:
        missing = missing_routes()
    except Exception as error:  # the app is someone else's work in progress: report, don't crash
        return Skipped(f"could not read the app's routes ({type(error).__name__}: {str(error)[:160]})")
    if missing:
        return Skipped(f"routes not in the app yet: {', '.join(missing)}")
    try:
        return await measure_list_reads(databases)
    except NotImplementedError as error:
        return Skipped(f"the routes exist but the measurement is a placeholder: {error}")
