"""``/api/v1/decks/types``: deck definitions and the positions that come and go with them.

The contract every collection shares (trailing slashes, paging, ordering by name and fqn, partial
updates that leave positions alone, stale versions, taken names, 404s, deletes refused while decks
are of the type) is checked for deck types too, in ``tests/api/common/``.
"""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.models.orm import DeckPositionDefinitionOrm
from tests.api.bodies import OT2, STARLET, deck_definition
from tests.api.helpers import API, names, total
from tests.builders import Builders

URL = f"{API}/decks/types"


# -- create ------------------------------------------------------------------------------------------


async def test_create_returns_the_deck_type_with_its_positions(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    response = await client.post(
        URL,
        json=deck_definition(
            description="Hamilton STARlet",
            size_x_mm=1360,
            positioning_config={"rails": 30},
            positions=[
                {"name": "rail-1", "x_mm": 100, "y_mm": 63, "allowed_resource_categories": ["carrier"]},
                {"name": "rail-2", "properties": {"pitch_mm": 22.5}},
            ],
        ),
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["fqn"], body["size_x_mm"], body["version"]) == (
        "STARlet deck",
        STARLET,
        1360.0,
        1,
    )
    assert body["positioning_config"] == {"rails": 30}
    assert [(p["name"], p["x_mm"], p["allowed_resource_categories"]) for p in body["positions"]] == [
        ("rail-1", 100.0, ["carrier"]),
        ("rail-2", None, []),
    ]
    assert body["positions"][1]["properties"] == {"pitch_mm": 22.5}
    stored = await repos.deck_definition.get(body["accession_id"])
    assert [(p.name, p.y_mm) for p in stored.positions] == [("rail-1", 63.0), ("rail-2", None)]


# -- get ---------------------------------------------------------------------------------------------


async def test_get_returns_the_deck_type_and_positions(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.deck_definition.create(
        name="OT-2", positions=[{"name": str(n)} for n in range(1, 12)]
    )

    response = await client.get(f"{URL}/{definition.accession_id}")

    assert response.status_code == 200
    assert response.json()["name"] == "OT-2"
    assert sorted(p["name"] for p in response.json()["positions"]) == sorted(str(n) for n in range(1, 12))


# -- list --------------------------------------------------------------------------------------------


async def test_list_filters_by_fqn_and_name(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.deck_definition.create(name="STARlet left", fqn=STARLET)
    await repos.deck_definition.create(name="starlet right", fqn=STARLET)
    await repos.deck_definition.create(name="OT-2", fqn=OT2)

    by_fqn = await client.get(URL, params={"fqn": STARLET, "order_by": "name"})
    by_name = await client.get(URL, params={"name": "STARLET", "order_by": "-name"})
    partial_fqn = await client.get(URL, params={"fqn": "STARLetDeck"})

    assert names(by_fqn) == ["STARlet left", "starlet right"]
    assert total(by_fqn) == 2
    assert names(by_name) == ["starlet right", "STARlet left"]
    assert names(partial_fqn) == []  # fqn matches exactly; only names match in part


async def test_list_returns_positions_too(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.deck_definition.create_batch(3)

    response = await client.get(URL)

    assert [len(d["positions"]) for d in response.json()] == [2, 2, 2]


# -- update ------------------------------------------------------------------------------------------


async def test_update_with_positions_replaces_the_whole_set(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    definition = await repos.deck_definition.create()

    response = await client.patch(
        f"{URL}/{definition.accession_id}",
        json={"positions": [{"name": "rail-2", "x_mm": 1.0}, {"name": "rail-3"}], "version": 1},
    )

    assert response.status_code == 200
    body = response.json()
    assert [(p["name"], p["x_mm"]) for p in body["positions"]] == [("rail-2", 1.0), ("rail-3", None)]
    assert body["version"] == 2
    stored = await repos.deck_definition.get(definition.accession_id)
    assert [p.name for p in stored.positions] == ["rail-2", "rail-3"]


async def test_update_with_an_empty_position_list_clears_them(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    definition = await repos.deck_definition.create()

    response = await client.put(f"{URL}/{definition.accession_id}", json={"positions": []})

    assert response.status_code == 200
    assert response.json()["positions"] == []
    assert (await repos.deck_definition.get(definition.accession_id)).positions == []


# -- delete ------------------------------------------------------------------------------------------


async def test_delete_takes_the_positions_along(
    client: httpx.AsyncClient, repos: Builders, db_session: AsyncSession
) -> None:
    definition = await repos.deck_definition.create()
    positions = select(func.count()).select_from(DeckPositionDefinitionOrm)
    assert await db_session.scalar(positions) == 2

    assert (await client.delete(f"{URL}/{definition.accession_id}")).status_code == 204

    assert await db_session.scalar(positions) == 0
