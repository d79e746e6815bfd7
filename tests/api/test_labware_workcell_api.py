"""Labware on a deck is in the deck's workcell, as a deck is in its machine's: placed there it takes
the deck's workcell unless the request names its own, and it follows the deck (and so the machine)
to another workcell. A run binds the labware of its workcell, so this is what a run on that workcell
finds on the deck."""

from __future__ import annotations

from typing import Any

import httpx

from praxis.backend.models.orm import DeckOrm
from tests.api.helpers import API
from tests.builders import Builders

RESOURCES = f"{API}/resources"


async def deck_in_a_workcell(repos: Builders) -> DeckOrm:
    workcell = await repos.workcell.create(name="cell A")
    machine = await repos.machine.create(workcell=workcell)
    return await repos.deck.create(machine=machine)


async def place(client: httpx.AsyncClient, repos: Builders, deck: DeckOrm, **more: Any) -> dict[str, Any]:
    definition = await repos.resource_definition.create()
    response = await client.post(
        RESOURCES,
        json={
            "name": "plate on deck",
            "resource_definition_id": str(definition.accession_id),
            "deck_id": str(deck.accession_id),
            "position_name": "rail-1",
            **more,
        },
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_labware_placed_on_a_deck_reports_the_decks_workcell(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await deck_in_a_workcell(repos)

    created = await place(client, repos, deck)

    read = (await client.get(f"{RESOURCES}/{created['accession_id']}")).json()
    assert created["workcell_id"] == read["workcell_id"] == str(deck.workcell_id)
    listed = await client.get(RESOURCES, params={"workcell_id": str(deck.workcell_id)})
    assert [r["accession_id"] for r in listed.json()] == [created["accession_id"]]


async def test_labware_placed_with_a_workcell_of_its_own_keeps_it(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await deck_in_a_workcell(repos)
    other = await repos.workcell.create(name="cell B")

    created = await place(client, repos, deck, workcell_id=str(other.accession_id))

    assert created["workcell_id"] == str(other.accession_id)


async def test_labware_moved_onto_a_deck_takes_the_decks_workcell(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await deck_in_a_workcell(repos)
    plate = await repos.resource.create(name="plate on bench")

    moved = await client.patch(
        f"{RESOURCES}/{plate.accession_id}",
        json={"deck_id": str(deck.accession_id), "position_name": "rail-1"},
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["workcell_id"] == str(deck.workcell_id)


async def test_labware_follows_its_deck_and_its_machine_to_another_workcell(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await deck_in_a_workcell(repos)
    plate = await place(client, repos, deck)
    elsewhere = await repos.workcell.create(name="cell B")
    third = await repos.workcell.create(name="cell C")

    deck_moved = await client.patch(
        f"{API}/decks/{deck.accession_id}", json={"workcell_id": str(elsewhere.accession_id)}
    )
    after_deck = (await client.get(f"{RESOURCES}/{plate['accession_id']}")).json()
    machine_moved = await client.patch(
        f"{API}/machines/{deck.parent_machine_id}", json={"workcell_id": str(third.accession_id)}
    )
    after_machine = (await client.get(f"{RESOURCES}/{plate['accession_id']}")).json()

    assert (deck_moved.status_code, machine_moved.status_code) == (200, 200)
    assert after_deck["workcell_id"] == str(elsewhere.accession_id)
    # the deck was in a workcell other than its machine's, so it stays, and its labware with it
    assert after_machine["workcell_id"] == str(elsewhere.accession_id)


async def test_labware_follows_the_machine_with_the_deck(client: httpx.AsyncClient, repos: Builders) -> None:
    deck = await deck_in_a_workcell(repos)
    plate = await place(client, repos, deck)
    elsewhere = await repos.workcell.create(name="cell B")

    moved = await client.patch(
        f"{API}/machines/{deck.parent_machine_id}", json={"workcell_id": str(elsewhere.accession_id)}
    )

    assert moved.status_code == 200, moved.text
    deck_read = (await client.get(f"{API}/decks/{deck.accession_id}")).json()
    plate_read = (await client.get(f"{RESOURCES}/{plate['accession_id']}")).json()
    assert deck_read["workcell_id"] == plate_read["workcell_id"] == str(elsewhere.accession_id)
