from __future__ import annotations

import httpx

from praxis.backend.db.migrations import head_revision


async def test_api_smoke(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert "cdn." not in docs.text  # assets come from the app itself; machines here are offline

    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        served = await client.get(f"/static-offline-docs/{asset}")
        assert served.status_code == 200 and len(served.content) > 10_000

    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/decks" in spec["paths"]
    assert (await client.get("/health")).json() == {
        "status": "ok",
        "database": "ok",
        "revision": head_revision(),
    }
