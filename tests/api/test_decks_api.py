"""``/api/v1/decks``: deck instances, mounted in a machine (``machine_id``), of a deck type."""

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

URL = f"{API}/decks"


async def deck_body(repos: Builders, **overrides: Any) -> dict[str, Any]:
    """A valid create body on a new machine and deck type."""
    machine = await repos.machine.create()
    deck_type = await repos.deck_definition.create()
    return {
        "name": "deck-1",
        "machine_id": str(machine.accession_id),
        "deck_definition_id": str(deck_type.accession_id),
        **overrides,
    }


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


async def test_create_answers_with_and_without_trailing_slash(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    first = await deck_body(repos, name="one")
    second = {**first, "name": "two"}

    await check_create_at_both_paths(client, "decks", (first, second))

    assert await repos.deck.count() == 2


async def test_create_with_a_taken_name_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.deck.create(name="deck-1")

    response = await client.post(URL, json=await deck_body(repos, name="deck-1"))

    assert_error(response, 409, "conflict", entity="deck", field="name")
    assert await repos.deck.count() == 1


@pytest.mark.parametrize("field", ["machine_id", "deck_definition_id", "workcell_id"])
async def test_create_with_an_unknown_reference_is_422(
    client: httpx.AsyncClient, repos: Builders, field: str
) -> None:
    response = await client.post(URL, json=await deck_body(repos, **{field: missing_id()}))

    assert_error(response, 422, "invalid_reference", entity="deck", field=field)
    assert await repos.deck.count() == 0


@pytest.mark.parametrize(
    ("drop", "overrides", "field"),
    [
        ("machine_id", {}, "machine_id"),
        ("deck_definition_id", {}, "deck_definition_id"),
        ("name", {}, "name"),
        (None, {"name": "x" * 256}, "name"),
        (None, {"machine_id": "STAR-1"}, "machine_id"),
        (None, {"machine_id": None}, "machine_id"),
        (None, {"properties": ["a"]}, "properties"),
        (None, {"parent_machine_id": "01a20e5a-0000-7000-8000-000000000000"}, "parent_machine_id"),
    ],
    ids=[
        "missing-machine",
        "missing-deck-type",
        "missing-name",
        "name-over-255",
        "machine-id-not-uuid",
        "machine-id-null",
        "properties-not-object",
        "storage-name-is-not-api",
    ],
)
async def test_create_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, drop: str | None, overrides: dict[str, Any], field: str
) -> None:
    body = await deck_body(repos, **overrides)
    body.pop(drop or "", None)

    assert_validation_error(await client.post(URL, json=body), field)
    assert await repos.deck.count() == 0


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


async def test_get_unknown_is_404(client: httpx.AsyncClient) -> None:
    assert_not_found(await client.get(f"{URL}/{missing_id()}"), entity="deck")


async def test_deck_routes_do_not_swallow_the_types_collection(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    await repos.deck.create()

    response = await client.get(f"{URL}/types")

    assert response.status_code == 200
    assert [t["fqn"] for t in response.json()] == ["pylabrobot.resources.hamilton.STARLetDeck"]


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


async def test_list_filters_by_name(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.deck.create(name="Left deck")
    await repos.deck.create(name="right DECK")
    await repos.deck.create(name="bench")

    response = await client.get(URL, params={"name": "deck", "order_by": "name"})

    assert names(response) == ["Left deck", "right DECK"]
    assert total(response) == 2
    assert names(await client.get(URL, params={"name": "left", "machine_id": missing_id()})) == []


async def test_list_pages_and_orders(client: httpx.AsyncClient, repos: Builders) -> None:
    decks = await repos.deck.create_batch(5)

    await check_paging(client, "decks", in_list_order(decks))
    newest_first = await client.get(URL, params={"order_by": "-created_at", "limit": 500})
    assert [d["accession_id"] for d in newest_first.json()] != [] and total(newest_first) == 5
    await check_list_contract(client, "decks")
    assert_error(
        await client.get(URL, params={"order_by": "parent_machine_id"}),
        422,
        "invalid_value",
        field="order_by",
    )


# -- update ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_update_changes_only_the_fields_sent(
    client: httpx.AsyncClient, repos: Builders, method: str
) -> None:
    deck = await repos.deck.create(name="deck", description="keep")

    response = await client.request(
        method, f"{URL}/{deck.accession_id}", json={"properties": {"serial": "D-9"}}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["properties"], body["version"]) == (
        "deck",
        "keep",
        {"serial": "D-9"},
        2,
    )
    assert body["machine_id"] == str(deck.parent_machine_id)
    assert (await repos.deck.get(deck.accession_id)).properties == {"serial": "D-9"}


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


async def test_update_with_a_stale_version_is_409_and_changes_nothing(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await repos.deck.create(name="deck")
    deck_id, machine_id = deck.accession_id, deck.parent_machine_id
    other = await repos.machine.create()
    assert (
        await client.patch(f"{URL}/{deck_id}", json={"description": "v2", "version": 1})
    ).status_code == 200

    response = await client.patch(
        f"{URL}/{deck_id}", json={"name": "renamed", "machine_id": str(other.accession_id), "version": 1}
    )

    assert_error(response, 409, "conflict", entity="deck", field="version")
    stored = await repos.deck.get(deck_id)
    assert (stored.name, stored.parent_machine_id, stored.description, stored.version) == (
        "deck",
        machine_id,
        "v2",
        2,
    )


async def test_update_to_a_taken_name_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.deck.create(name="taken")
    deck_id = (await repos.deck.create(name="mine")).accession_id

    response = await client.put(f"{URL}/{deck_id}", json={"name": "taken"})

    assert_error(response, 409, "conflict", entity="deck", field="name")
    assert (await repos.deck.get(deck_id)).name == "mine"


@pytest.mark.parametrize("field", ["machine_id", "deck_definition_id", "workcell_id"])
async def test_update_to_an_unknown_reference_is_422(
    client: httpx.AsyncClient, repos: Builders, field: str
) -> None:
    deck = await repos.deck.create()
    deck_id, machine_id, type_id = deck.accession_id, deck.parent_machine_id, deck.deck_definition_id

    response = await client.patch(f"{URL}/{deck_id}", json={field: missing_id()})

    assert_error(response, 422, "invalid_reference", entity="deck", field=field)
    stored = await repos.deck.get(deck_id)
    assert (stored.parent_machine_id, stored.deck_definition_id, stored.version) == (machine_id, type_id, 1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"machine_id": None}, "machine_id"),
        ({"deck_definition_id": None}, "deck_definition_id"),
        ({"name": None}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"parent_machine_id": "01a20e5a-0000-7000-8000-000000000000"}, "parent_machine_id"),
    ],
    ids=["null-machine", "null-deck-type", "null-name", "name-over-255", "storage-name-is-not-api"],
)
async def test_update_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    deck = await repos.deck.create(name="deck")

    assert_validation_error(await client.patch(f"{URL}/{deck.accession_id}", json=body), field)
    stored = await repos.deck.get(deck.accession_id)
    assert (stored.name, stored.parent_machine_id, stored.version) == ("deck", deck.parent_machine_id, 1)


async def test_update_unknown_is_404(client: httpx.AsyncClient) -> None:
    assert_not_found(await client.patch(f"{URL}/{missing_id()}", json={"name": "x"}), entity="deck")


# -- delete ------------------------------------------------------------------------------------------


async def test_delete_is_204_then_404_and_frees_machine_and_type(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await repos.deck.create()

    assert (await client.delete(f"{URL}/{deck.accession_id}")).status_code == 204

    assert await repos.deck.get_or_none(deck.accession_id) is None
    assert_not_found(await client.get(f"{URL}/{deck.accession_id}"), entity="deck")
    assert_not_found(await client.delete(f"{URL}/{deck.accession_id}"), entity="deck")
    # with the deck gone, its machine and deck type are no longer in use
    assert (await client.delete(f"{API}/machines/{deck.parent_machine_id}")).status_code == 204
    assert (await client.delete(f"{API}/decks/types/{deck.deck_definition_id}")).status_code == 204
