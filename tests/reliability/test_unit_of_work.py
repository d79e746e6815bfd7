"""One unit of work per request: a request that fails after some of its writes keeps none of them."""

from __future__ import annotations

import httpx


async def test_a_failed_request_keeps_none_of_its_earlier_writes(api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/api/v1/decks/types",
        json={
            "name": "STARlet",
            "fqn": "pylabrobot.resources.STARLetDeck",
            "positions": [{"name": "rail-1"}],
        },
    )
    url = f"/api/v1/decks/types/{created.json()['accession_id']}"

    # the rename is written first, then the positions are refused (two with one name)
    response = await api.patch(url, json={"name": "renamed", "positions": [{"name": "A"}, {"name": "A"}]})

    assert response.status_code == 409
    stored = (await api.get(url)).json()
    assert stored["name"] == "STARlet"
    assert [p["name"] for p in stored["positions"]] == ["rail-1"]
    assert stored["version"] == 1
