from __future__ import annotations

import httpx

from tests.builders import Builders


async def test_create_deck_type_definition(client: httpx.AsyncClient, repos: Builders) -> None:
    payload = {
        "name": "Hamilton STARlet deck",
        "fqn": "pylabrobot.resources.hamilton.STARLetDeck",
        "size_x_mm": 1360.0,
        "size_y_mm": 653.5,
        "size_z_mm": 900.0,
        "positions": [
            {
                "name": "rail-1",
                "x_mm": 100.0,
                "y_mm": 63.0,
                "z_mm": 100.0,
                "allowed_resource_categories": ["carrier"],
            },
            {"name": "rail-2", "x_mm": 122.5, "y_mm": 63.0, "z_mm": 100.0},
        ],
    }

    response = await client.post("/api/v1/decks/types/", json=payload)

    assert response.status_code == 201
    body = response.json()
    assert body["fqn"] == payload["fqn"]
    assert [p["name"] for p in body["positions"]] == ["rail-1", "rail-2"]
    assert body["positions"][0]["allowed_resource_categories"] == ["carrier"]
    stored = await repos.deck_definition.get(body["accession_id"])
    assert [(p.name, p.x_mm) for p in stored.positions] == [("rail-1", 100.0), ("rail-2", 122.5)]
