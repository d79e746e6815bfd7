"""``/api/v1/workcells``: what only workcells do.

The contract every collection shares (trailing slashes, paging, ordering, partial updates, stale
versions, taken names, 404s, deletes refused while machines, labware, decks or runs are in the
workcell) is checked for workcells too, in ``tests/api/common/``.
"""

from __future__ import annotations

import httpx

from praxis.backend.models.orm import WorkcellStatus
from tests.api.helpers import API, names, total
from tests.builders import Builders

URL = f"{API}/workcells"


async def test_create_returns_the_stored_workcell(client: httpx.AsyncClient, repos: Builders) -> None:
    response = await client.post(
        URL,
        json={
            "name": "bay-1",
            "description": "main bay",
            "status": "maintenance",
            "latest_state": {"door": "closed"},
            "allows_concurrent_runs": True,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "bay-1"
    assert body["description"] == "main bay"
    assert body["status"] == "maintenance"
    assert body["latest_state"] == {"door": "closed"}
    assert body["allows_concurrent_runs"] is True
    assert body["version"] == 1
    assert body["created_at"] and body["updated_at"]
    stored = await repos.workcell.get(body["accession_id"])
    assert (stored.name, stored.status, stored.latest_state) == (
        "bay-1",
        WorkcellStatus.MAINTENANCE,
        {"door": "closed"},
    )


async def test_get_returns_the_workcell(client: httpx.AsyncClient, repos: Builders) -> None:
    workcell = await repos.workcell.create(name="bay-3", latest_state={"t": 21.5})

    response = await client.get(f"{URL}/{workcell.accession_id}")

    assert response.status_code == 200
    body = response.json()
    assert (body["accession_id"], body["name"], body["latest_state"], body["version"]) == (
        str(workcell.accession_id),
        "bay-3",
        {"t": 21.5},
        1,
    )


async def test_list_filters_by_status(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.workcell.create(name="up", status=WorkcellStatus.AVAILABLE)
    await repos.workcell.create(name="down", status=WorkcellStatus.OFFLINE)

    response = await client.get(URL, params={"status": "offline"})

    assert names(response) == ["down"]
    assert total(response) == 1


async def test_create_workcell(client: httpx.AsyncClient, repos: Builders) -> None:
    response = await client.post("/api/v1/workcells/", json={"name": "bay-1", "description": "main bay"})

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "bay-1"
    assert body["status"] == "available"
    stored = await repos.workcell.get(body["accession_id"])
    assert (stored.name, stored.description) == ("bay-1", "main bay")
