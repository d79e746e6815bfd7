"""Section 6: statements per list read, at 10 and at 1,000 rows. PLACEHOLDER.

The target: ``GET /api/v1/decks/types?limit=100`` and ``GET /api/v1/protocols/runs?limit=100`` send the
same number of statements whether the table holds 10 rows or 1,000 (no N+1 loading of positions or
call logs). The routes do not exist yet; whoever adds them fills in ``measure_list_reads`` below. Until
then the runner reports this section as skipped, with the reason, instead of failing.

How it is meant to work, with the pieces the other sections already use:

1. ``database = await databases.clone("lists")`` and an engine on ``database.url``;
2. for each ``rows`` in ``ROW_COUNTS``: ``async with isolated_session(engine) as session``, seed with
   ``Builders(session).deck_definition.create_batch(rows)`` (or ``protocol_run.create_batch``);
3. build the app with ``praxis.backend.api.app.create_app()``, override its ``get_session``
   dependency to yield ``session`` (as the ``client`` fixture does), and call the route through
   ``httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")``;
4. count with ``tests.harness.queries.counting(session.bind.sync_connection)`` around the request;
5. return one ``Figure`` per route and row count (unit "statements", ``extra={"statements": [...]}``)
   and the runner checks that both row counts of a route give the same count.
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
    """The list routes of this section that the application does not serve (GET) yet."""
    from fastapi.routing import APIRoute

    from praxis.backend.api.app import create_app

    app = create_app()
    served = {
        route.path.rstrip("/")
        for route in app.routes
        if isinstance(route, APIRoute) and "GET" in (route.methods or set())
    }
    return [route for route in ROUTES if route not in served]


async def measure_list_reads(databases: BenchDatabases) -> list[Figure]:
    """PLACEHOLDER: fill in once the routes exist (see the module docstring for the recipe)."""
    raise NotImplementedError("list-read statement counts are not written yet")


async def run(databases: BenchDatabases) -> list[Figure] | Skipped:
    missing = missing_routes()
    if missing:
        return Skipped(f"routes not in the app yet: {', '.join(missing)}")
    try:
        return await measure_list_reads(databases)
    except NotImplementedError as error:
        return Skipped(f"the routes exist but the measurement is a placeholder: {error}")
