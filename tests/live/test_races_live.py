"""Races a probe found on the live server, each made deterministic by a second connection that holds
what the other side of the race would hold (an uncommitted DELETE, row locks), so the request under
test waits exactly where the race's loser waits; the test sees it waiting before letting go."""

from __future__ import annotations

import asyncio
import time

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
        while int(await watcher.fetchval(query) or 0) < count:
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


async def test_concurrent_moves_never_store_a_loop(
    live_server: LiveServer, live_client: httpx.AsyncClient
) -> None:
    """A onto B and B onto A at once: one is placed, the other refused with 409, and no loop is
    stored. Both rows are locked on a second connection, so both requests pass whatever checks run
    before their UPDATE and wait there together (as the probe's racing pair did) until it lets go."""
    a, b = await live_server.arrange(lambda repos: repos.resource.create_batch(2))
    async with live_server.connection() as holding:
        transaction = holding.transaction()
        await transaction.start()
        await holding.execute(
            "SELECT 1 FROM resource WHERE accession_id = ANY($1::uuid[]) FOR UPDATE",
            [a.accession_id, b.accession_id],
        )
        moves = [
            asyncio.create_task(
                live_client.patch(
                    f"/api/v1/resources/{child.accession_id}", json={"parent_id": str(parent.accession_id)}
                )
            )
            for child, parent in ((a, b), (b, a))
        ]
        await wait_for_lock_waits(live_server, 2)
        await transaction.commit()
    responses = await asyncio.gather(*moves)

    assert sorted(response.status_code for response in responses) == [200, 409], [r.text for r in responses]
    refused = next(response for response in responses if response.status_code == 409)
    assert_error(refused, 409, "invalid_value", field="parent_id")
    parents = await live_server.fetchval(
        "SELECT count(*) FROM resource WHERE accession_id = ANY($1::uuid[]) AND parent_id IS NOT NULL",
        [a.accession_id, b.accession_id],
    )
    assert parents == 1
