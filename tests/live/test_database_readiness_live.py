"""A database that is missing, not migrated, or too busy: the server answers 503 in the error shape,
saying why and what to do, and recovers without a restart once the database is fixed."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy import make_url

from praxis.backend.db.migrations import head_revision, run_on_url
from praxis.backend.settings import Settings
from tests.api.helpers import assert_error
from tests.harness.auth import bearer, committed_token
from tests.harness.live import running_server
from tests.live.test_races_live import wait_for_lock_waits

WORKCELLS = "/api/v1/workcells"


async def test_a_database_that_does_not_exist_is_a_503_naming_it(committed_database: str) -> None:
    missing = f"praxis_test_never_created_{uuid.uuid4().hex[:8]}"
    url = make_url(committed_database).set(database=missing).render_as_string(hide_password=False)
    with running_server(url) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            health = await http.get("/health")
            listed = await http.get(WORKCELLS, headers={"Authorization": "Bearer prx_any"})

    for response in (health, listed):
        body = assert_error(response, 503, "database_missing")
        assert missing in body["detail"]


async def test_an_unmigrated_database_is_named_with_its_revision_until_upgraded(
    committed_database: str,
) -> None:
    await run_on_url(committed_database, "downgrade", "0002")
    with running_server(committed_database) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            health = await http.get("/health")
            listed = await http.get(WORKCELLS, headers={"Authorization": "Bearer prx_any"})

            await run_on_url(committed_database, "upgrade", "head")  # meanwhile, no restart
            token = await committed_token(committed_database)
            healthy = await http.get("/health")
            listed_after = await http.get(WORKCELLS, headers=bearer(token))

    body = assert_error(health, 503, "database_not_ready")
    assert "revision 0002" in body["detail"] and head_revision() in body["detail"]
    assert "praxis db upgrade" in body["detail"]
    assert "praxis db upgrade" in assert_error(listed, 503, "database_not_ready")["detail"]
    assert healthy.json() == {"status": "ok", "database": "ok", "revision": head_revision()}
    assert listed_after.status_code == 200


async def test_an_exhausted_pool_is_a_fast_503_and_health_still_answers(committed_database: str) -> None:
    """A transaction elsewhere holds a row; a PATCH to it takes the pool's only connection and
    waits. Other requests get 503 with Retry-After after the pool timeout, not a 30 s wait and a
    500; /health answers at once on its own connection; the PATCH gives up at the lock timeout."""
    settings = Settings(pool_size=1, max_overflow=0, pool_timeout=0.5, lock_timeout=5)
    with running_server(committed_database, settings) as server:
        workcell = await server.arrange(lambda repos: repos.workcell.create(name="bay-1"))
        token = await committed_token(committed_database)
        async with (
            httpx.AsyncClient(base_url=server.url, headers=bearer(token), timeout=30) as http,
            server.connection() as holder,
        ):
            transaction = holder.transaction()
            await transaction.start()
            await holder.execute(
                "SELECT 1 FROM workcell WHERE accession_id = $1 FOR UPDATE", workcell.accession_id
            )
            patch = asyncio.create_task(
                http.patch(f"{WORKCELLS}/{workcell.accession_id}", json={"name": "bay-2"})
            )
            await wait_for_lock_waits(server, 1)

            listed = await http.get(WORKCELLS)
            health = await http.get("/health")
            patched = await patch
            await transaction.rollback()
            after = await http.get(f"{WORKCELLS}/{workcell.accession_id}")

    assert_error(listed, 503, "database_busy")
    assert listed.headers["Retry-After"] == "2"
    assert health.status_code == 200
    assert_error(patched, 503, "database_busy")
    assert patched.headers["Retry-After"] == "2"
    assert after.json()["name"] == "bay-1"  # nothing half-done; the pool serves again
