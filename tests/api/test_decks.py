"""The deck API, end to end on the real database: nothing mocked, deletes included."""

from __future__ import annotations

import httpx

from tests.builders import Builders


async def test_create_deck(client: httpx.AsyncClient, repos: Builders) -> None:
    machine = await repos.machine.create()
    deck_definition = await repos.deck_definition.create()

    response = await client.post(
        "/api/v1/decks/",
        json={
            "name": "deck-1",
            "machine_id": str(machine.accession_id),
            "deck_definition_id": str(deck_definition.accession_id),
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["machine_id"] == str(machine.accession_id)
    assert body["workcell_id"] == str(machine.workcell_id)
    stored = await repos.deck.get(body["accession_id"])
    assert stored.parent_machine_id == machine.accession_id
    assert stored.deck_definition_id == deck_definition.accession_id


async def test_get_deck(client: httpx.AsyncClient, repos: Builders) -> None:
    deck = await repos.deck.create(name="deck-get")

    response = await client.get(f"/api/v1/decks/{deck.accession_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "deck-get"
    assert body["machine_id"] == str(deck.parent_machine_id)
    assert body["version"] == 1


async def test_get_multi_decks(client: httpx.AsyncClient, repos: Builders) -> None:
    machine = await repos.machine.create()
    decks = await repos.deck.create_batch(3, machine=machine)
    await repos.deck.create()  # on another machine

    response = await client.get(
        "/api/v1/decks/", params={"machine_id": str(machine.accession_id), "order_by": "name"}
    )

    assert response.status_code == 200
    assert [d["name"] for d in response.json()] == sorted(d.name for d in decks)
    assert response.headers["X-Total-Count"] == "3"
    everything = await client.get("/api/v1/decks")
    assert len(everything.json()) == 4


async def test_update_deck(client: httpx.AsyncClient, repos: Builders) -> None:
    deck = await repos.deck.create()
    other_machine = await repos.machine.create()

    response = await client.patch(
        f"/api/v1/decks/{deck.accession_id}",
        json={"name": "renamed", "machine_id": str(other_machine.accession_id), "version": 1},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["machine_id"], body["version"]) == (
        "renamed",
        str(other_machine.accession_id),
        2,
    )
    stored = await repos.deck.get(deck.accession_id)
    assert (stored.name, stored.parent_machine_id) == ("renamed", other_machine.accession_id)


async def test_delete_deck(client: httpx.AsyncClient, repos: Builders) -> None:
    deck = await repos.deck.create()

    response = await client.delete(f"/api/v1/decks/{deck.accession_id}")

    assert response.status_code == 204
    assert await repos.deck.get_or_none(deck.accession_id) is None
    assert (await client.get(f"/api/v1/decks/{deck.accession_id}")).status_code == 404
    assert await repos.machine.exists(accession_id=deck.parent_machine_id)  # the machine stays
