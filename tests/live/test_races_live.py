"""Races a probe found on the live server, each made deterministic by a second connection that holds
what the other side of the race would hold (an uncommitted DELETE, row locks), so the request under
test waits exactly where the race's loser waits; the test sees it waiting before letting go."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx
import pytest

from tests.api.collection_specs import COLLECTIONS, CollectionSpec
from tests.api.helpers import assert_error
from tests.harness.live import LiveServer

WAIT_S = 20.0


async def wait_for_lock_waits(live_server: LiveServer, count: int) -> None:
    """Until ``count`` connections of the server are waiting for a lock (the requests under test)."""
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    deadline = time.monotonic() + WAIT_S
    async with live_server.connection() as watcher:
        while await watcher.fetchval(query) < count:
            assert time.monotonic() < deadline, f"fewer than {count} requests ever waited for a lock"
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("spec", COLLECTIONS, ids=str)
async def test_a_patch_racing_a_delete_is_404(
    spec: CollectionSpec, live_server: LiveServer, live_client: httpx.AsyncClient
) -> None:
    row = await live_server.arrange(lambda repos: spec.of(repos).create(**spec.keep))
    async with live_server.connection() as deleting:
        transaction = deleting.transaction()
        await transaction.start()
        await deleting.execute(f"DELETE FROM {spec.entity} WHERE accession_id = $1", row.accession_id)
        patch = asyncio.create_task(live_client.patch(spec.item(row.accession_id), json=dict(spec.change)))
        await wait_for_lock_waits(live_server, 1)  # the PATCH read the row, and waits to write it
        await transaction.commit()

    assert_error(await patch, 404, "not_found", entity=spec.entity)
