"""``/api/v1/decks``: deck instances, mounted in a machine (``machine_id``), of a deck type.

The contract every collection shares (trailing slashes, paging, ordering, filters by machine, type
and workcell, partial updates, stale versions, taken names, unknown references, 404s, deletes) is
checked for decks too, in ``tests/api/common/``; here is what only decks do.
"""

from __future__ import annotations

import httpx

from tests.api.bodies import deck_body
from tests.api.helpers import API, assert_validation_error, names, total
from tests.builders import Builders

URL = f"{API}/decks"


# -- create ------------------------------------------------------------------------------------------


async def test_create_returns_the_stored_deck(client: httpx.AsyncClient, repos: Builders) -> None:
    body = await deck_body(repos, description="left deck", properties={"serial": "D-1"})

    response = await client.post(URL, json=body)

    assert response.status_code == 201
    created = response.json()
    machine = await repos.machine.get(body["machine_id"])
    assert (created["name"], created["machine_id"], created["deck_definition_id"]) == (
        "deck-1",
        body["machine_id"],
        body["deck_definition_id"],
    )
    assert created["workcell_id"] == str(machine.workcell_id)  # the machine's, when not given
    assert (created["description"], created["properties"], created["version"]) == (
        "left deck",
        {"serial": "D-1"},
        1,
    )
    stored = await repos.deck.get(created["accession_id"])
    assert (str(stored.parent_machine_id), stored.workcell_id) == (body["machine_id"], machine.workcell_id)


async def test_create_with_its_own_workcell_keeps_it(client: httpx.AsyncClient, repos: Builders) -> None:
    other = await repos.workcell.create()

    response = await client.post(URL, json=await deck_body(repos, workcell_id=str(other.accession_id)))

    assert response.status_code == 201
    assert response.json()["workcell_id"] == str(other.accession_id)


async def test_create_on_a_machine_without_a_workcell(client: httpx.AsyncClient, repos: Builders) -> None:
    loose = await repos.machine.create(workcell=None)

    response = await client.post(URL, json=await deck_body(repos, machine_id=str(loose.accession_id)))

    assert response.status_code == 201
    assert response.json()["workcell_id"] is None


# -- get ---------------------------------------------------------------------------------------------


async def test_get_returns_the_deck(client: httpx.AsyncClient, repos: Builders) -> None:
    deck = await repos.deck.create(name="deck-get")

    response = await client.get(f"{URL}/{deck.accession_id}")

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["machine_id"], body["deck_definition_id"], body["workcell_id"]) == (
        "deck-get",
        str(deck.parent_machine_id),
        str(deck.deck_definition_id),
        str(deck.workcell_id),
    )
    assert "parent_machine_id" not in body


# -- list --------------------------------------------------------------------------------------------


async def test_list_filters_by_machine_deck_type_and_workcell(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    machine = await repos.machine.create()
    on_machine = await repos.deck.create_batch(2, machine=machine)
    ot2 = await repos.deck_definition.create()
    of_type = await repos.deck.create(deck_definition=ot2)

    by_machine = await client.get(URL, params={"machine_id": str(machine.accession_id), "order_by": "name"})
    by_type = await client.get(URL, params={"deck_definition_id": str(ot2.accession_id)})
    by_workcell = await client.get(URL, params={"workcell_id": str(machine.workcell_id), "order_by": "-name"})

    assert names(by_machine) == sorted(d.name for d in on_machine)
    assert total(by_machine) == 2
    assert names(by_type) == [of_type.name]
    assert names(by_workcell) == sorted((d.name for d in on_machine), reverse=True)


async def test_list_cannot_be_ordered_by_the_stored_name_of_machine_id(client: httpx.AsyncClient) -> None:
    assert_validation_error(await client.get(URL, params={"order_by": "parent_machine_id"}), "order_by")


# -- update ------------------------------------------------------------------------------------------


async def test_moving_a_deck_to_another_machine_takes_it_to_that_machines_workcell(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await repos.deck.create()
    elsewhere = await repos.machine.create()  # in a workcell of its own

    response = await client.patch(
        f"{URL}/{deck.accession_id}", json={"machine_id": str(elsewhere.accession_id)}
    )

    assert response.status_code == 200
    assert (response.json()["machine_id"], response.json()["workcell_id"]) == (
        str(elsewhere.accession_id),
        str(elsewhere.workcell_id),
    )
    stored = await repos.deck.get(deck.accession_id)
    assert (stored.parent_machine_id, stored.workcell_id) == (elsewhere.accession_id, elsewhere.workcell_id)


async def test_moving_a_deck_with_an_explicit_workcell_keeps_that_workcell(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await repos.deck.create()
    elsewhere = await repos.machine.create()
    chosen = await repos.workcell.create()

    response = await client.patch(
        f"{URL}/{deck.accession_id}",
        json={"machine_id": str(elsewhere.accession_id), "workcell_id": str(chosen.accession_id)},
    )

    assert response.status_code == 200
    assert response.json()["workcell_id"] == str(chosen.accession_id)


# -- delete ------------------------------------------------------------------------------------------


async def test_delete_frees_its_machine_and_deck_type(client: httpx.AsyncClient, repos: Builders) -> None:
    """Both refuse a delete while the deck is there; with it gone, they are no longer in use."""
    deck = await repos.deck.create()

    assert (await client.delete(f"{URL}/{deck.accession_id}")).status_code == 204

    assert (await client.delete(f"{API}/machines/{deck.parent_machine_id}")).status_code == 204
    assert (await client.delete(f"{API}/decks/types/{deck.deck_definition_id}")).status_code == 204
