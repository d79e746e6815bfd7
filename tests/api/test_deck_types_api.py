"""``/api/v1/decks/types``: deck definitions and the positions that come and go with them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import (
    API,
    assert_error,
    assert_not_found,
    assert_validation_error,
    check_create_at_both_paths,
    check_list_contract,
    check_paging,
    in_list_order,
    missing_id,
    names,
    total,
)
from tests.builders import Builders

URL = f"{API}/decks/types"
STARLET = "pylabrobot.resources.hamilton.STARLetDeck"
OT2 = "pylabrobot.resources.opentrons.OTDeck"


def deck_type(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "STARlet deck",
        "fqn": STARLET,
        "positions": [{"name": "rail-1", "x_mm": 100.0}, {"name": "rail-2", "x_mm": 122.5}],
        **overrides,
    }


# -- create ------------------------------------------------------------------------------------------


async def test_create_returns_the_deck_type_with_its_positions(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    response = await client.post(
        URL,
        json=deck_type(
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


async def test_create_without_positions_gives_an_empty_list(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"name": "bare", "fqn": OT2})

    assert response.status_code == 201
    assert (response.json()["positions"], response.json()["positioning_config"]) == ([], {})


async def test_create_answers_with_and_without_trailing_slash(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    await check_create_at_both_paths(client, "decks/types", (deck_type(name="one"), deck_type(name="two")))

    assert await repos.deck_definition.count() == 2


async def test_create_with_a_taken_name_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.deck_definition.create(name="STARlet deck")

    response = await client.post(URL, json=deck_type())

    assert_error(response, 409, "conflict", entity="deck_definition", field="name")
    assert await repos.deck_definition.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fqn": STARLET}, "name"),
        ({"name": "deck"}, "fqn"),
        (deck_type(name="x" * 256), "name"),
        (deck_type(size_y_mm=-5), "size_y_mm"),
        (deck_type(positions=[{"x_mm": 1}]), "positions.0.name"),
        (
            deck_type(positions=[{"name": "p", "allowed_resource_categories": ["spaceship"]}]),
            "positions.0.allowed_resource_categories.0",
        ),
        (deck_type(positions=[{"name": "p", "slot": 1}]), "positions.0.slot"),
        (deck_type(positions="rail-1"), "positions"),
        (deck_type(rails=30), "rails"),
    ],
    ids=[
        "missing-name",
        "missing-fqn",
        "name-over-255",
        "negative-size",
        "position-without-name",
        "unknown-category",
        "position-unknown-field",
        "positions-not-a-list",
        "unknown-field",
    ],
)
async def test_create_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    assert_validation_error(await client.post(URL, json=body), field)
    assert await repos.deck_definition.count() == 0


async def test_create_with_two_positions_of_one_name_is_422(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    response = await client.post(URL, json=deck_type(positions=[{"name": "rail-1"}, {"name": "rail-1"}]))

    assert_validation_error(response, "positions")
    assert await repos.deck_definition.count() == 0


# -- get ---------------------------------------------------------------------------------------------


async def test_get_returns_the_deck_type_and_positions(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.deck_definition.create(
        name="OT-2", positions=[{"name": str(n)} for n in range(1, 12)]
    )

    response = await client.get(f"{URL}/{definition.accession_id}")

    assert response.status_code == 200
    assert response.json()["name"] == "OT-2"
    assert sorted(p["name"] for p in response.json()["positions"]) == sorted(str(n) for n in range(1, 12))


async def test_get_unknown_is_404(client: httpx.AsyncClient) -> None:
    assert_not_found(await client.get(f"{URL}/{missing_id()}"), entity="deck_definition")


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


async def test_list_pages_and_orders(client: httpx.AsyncClient, repos: Builders) -> None:
    definitions = await repos.deck_definition.create_batch(5)

    await check_paging(client, "decks/types", in_list_order(definitions))
    await repos.deck_definition.create(name="zz", fqn=OT2)
    assert names(await client.get(URL, params={"order_by": "-fqn", "limit": 1})) == ["zz"]
    await check_list_contract(client, "decks/types")


# -- update ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_update_changes_only_the_fields_sent(
    client: httpx.AsyncClient, repos: Builders, method: str
) -> None:
    definition = await repos.deck_definition.create(name="deck", description="keep")

    response = await client.request(method, f"{URL}/{definition.accession_id}", json={"size_z_mm": 950})

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["size_z_mm"], body["version"]) == (
        "deck",
        "keep",
        950.0,
        2,
    )
    assert [p["name"] for p in body["positions"]] == ["rail-1", "rail-2"]  # positions untouched
    stored = await repos.deck_definition.get(definition.accession_id)
    assert (stored.size_z_mm, len(stored.positions)) == (950.0, 2)


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


async def test_update_with_a_stale_version_is_409_and_changes_nothing(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    definition_id = (await repos.deck_definition.create(name="deck")).accession_id
    assert (await client.patch(f"{URL}/{definition_id}", json={"description": "v2"})).status_code == 200

    response = await client.patch(
        f"{URL}/{definition_id}", json={"name": "renamed", "positions": [{"name": "x"}], "version": 1}
    )

    assert_error(response, 409, "conflict", entity="deck_definition", field="version")
    stored = await repos.deck_definition.get(definition_id)
    assert (stored.name, stored.description, stored.version) == ("deck", "v2", 2)
    assert [p.name for p in stored.positions] == ["rail-1", "rail-2"]


async def test_update_to_a_taken_name_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.deck_definition.create(name="taken")
    definition_id = (await repos.deck_definition.create(name="mine")).accession_id

    response = await client.patch(f"{URL}/{definition_id}", json={"name": "taken"})

    assert_error(response, 409, "conflict", entity="deck_definition", field="name")
    assert (await repos.deck_definition.get(definition_id)).name == "mine"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fqn": None}, "fqn"),
        ({"positions": None}, "positions"),
        ({"positions": [{"name": "a"}, {"name": "a"}]}, "positions"),
        ({"size_x_mm": -1}, "size_x_mm"),
        ({"rails": 30}, "rails"),
    ],
    ids=["null-fqn", "null-positions", "duplicate-position-names", "negative-size", "unknown-field"],
)
async def test_update_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    definition_id = (await repos.deck_definition.create(name="deck")).accession_id

    assert_validation_error(await client.patch(f"{URL}/{definition_id}", json=body), field)
    stored = await repos.deck_definition.get(definition_id)
    assert (stored.fqn, stored.version, [p.name for p in stored.positions]) == (
        STARLET,
        1,
        ["rail-1", "rail-2"],
    )


async def test_update_unknown_is_404(client: httpx.AsyncClient) -> None:
    assert_not_found(
        await client.patch(f"{URL}/{missing_id()}", json={"name": "x"}), entity="deck_definition"
    )


# -- delete ------------------------------------------------------------------------------------------


async def test_delete_is_204_then_404_and_takes_the_positions(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    definition = await repos.deck_definition.create()

    assert (await client.delete(f"{URL}/{definition.accession_id}")).status_code == 204

    assert await repos.deck_definition.get_or_none(definition.accession_id) is None
    assert_not_found(await client.get(f"{URL}/{definition.accession_id}"), entity="deck_definition")
    assert_not_found(await client.delete(f"{URL}/{definition.accession_id}"), entity="deck_definition")


async def test_delete_of_a_deck_type_in_use_is_409_and_keeps_it(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await repos.deck.create()

    response = await client.delete(f"{URL}/{deck.deck_definition_id}")

    assert_error(response, 409, "conflict", entity="deck_definition", field="decks")
    kept = await repos.deck_definition.get(deck.deck_definition_id)
    assert len(kept.positions) == 2
    assert await repos.deck.exists(accession_id=deck.accession_id)
