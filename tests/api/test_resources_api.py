"""``/api/v1/resources/definitions`` (the labware catalog) and ``/api/v1/resources`` (labware): what
only they do, above all labware stacking on labware.

The contract every collection shares (trailing slashes, paging, ordering, partial updates, taken
names, unknown references, 404s, a labware type refused delete while labware uses it) is checked
for both, in ``tests/api/common/``.
"""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.models.orm import ResourceCategory, ResourceStatus
from tests.api.bodies import PLATE_FQN, plate_type
from tests.api.helpers import API, assert_error, missing_id, names, total
from tests.builders import Builders

DEFINITIONS = f"{API}/resources/definitions"
RESOURCES = f"{API}/resources"


# == resource definitions ============================================================================


async def test_create_definition_returns_the_stored_definition(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    response = await client.post(
        DEFINITIONS,
        json=plate_type(
            is_consumable=False,
            size_x_mm=127.76,
            size_y_mm=85.48,
            size_z_mm=14.2,
            nominal_volume_ul=360,
            properties={"wells": 96},
        ),
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["fqn"], body["category"], body["is_consumable"]) == (
        "Corning 96 flat",
        PLATE_FQN,
        "plate",
        False,
    )
    assert (body["size_x_mm"], body["nominal_volume_ul"], body["properties"]) == (
        127.76,
        360.0,
        {"wells": 96},
    )
    assert "version" not in body  # catalog entries are not versioned
    stored = await repos.resource_definition.get(body["accession_id"])
    assert (stored.category, stored.is_consumable, stored.size_z_mm) == (ResourceCategory.PLATE, False, 14.2)


async def test_get_definition(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.resource_definition.create(name="tips 300", category=ResourceCategory.TIP_RACK)

    response = await client.get(f"{DEFINITIONS}/{definition.accession_id}")

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["category"]) == ("tips 300", "tip_rack")


async def test_list_definitions_filters_by_category_and_name(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    await repos.resource_definition.create(name="Corning plate", category=ResourceCategory.PLATE)
    await repos.resource_definition.create(name="Greiner plate", category=ResourceCategory.PLATE)
    await repos.resource_definition.create(name="Tips plate-size", category=ResourceCategory.TIP_RACK)

    plates = await client.get(DEFINITIONS, params={"category": "plate", "order_by": "name"})
    named = await client.get(DEFINITIONS, params={"name": "PLATE", "order_by": "-name"})
    greiner_plates = await client.get(DEFINITIONS, params={"name": "grein", "category": "plate"})

    assert names(plates) == ["Corning plate", "Greiner plate"]
    assert total(plates) == 2
    assert names(named) == ["Tips plate-size", "Greiner plate", "Corning plate"]
    assert names(greiner_plates) == ["Greiner plate"]


# == resources =======================================================================================


async def test_create_resource_returns_the_stored_resource(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    definition = await repos.resource_definition.create()
    workcell = await repos.workcell.create()
    carrier = await repos.resource.create(workcell=workcell)

    response = await client.post(
        RESOURCES,
        json={
            "name": "assay plate",
            "resource_definition_id": str(definition.accession_id),
            "workcell_id": str(workcell.accession_id),
            "parent_id": str(carrier.accession_id),
            "position_name": "rails 3",
            "status": "in_use",
            "properties": {"barcode": "P0001"},
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["parent_id"], body["position_name"], body["status"]) == (
        "assay plate",
        str(carrier.accession_id),
        "rails 3",
        "in_use",
    )
    stored = await repos.resource.get(body["accession_id"])
    assert (stored.resource_definition_id, stored.workcell_id, stored.parent_id) == (
        definition.accession_id,
        workcell.accession_id,
        carrier.accession_id,
    )
    assert stored.properties == {"barcode": "P0001"}


async def test_get_resource(client: httpx.AsyncClient, repos: Builders) -> None:
    resource = await repos.resource.create(name="plate-7", position_name="A1")

    response = await client.get(f"{RESOURCES}/{resource.accession_id}")

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["position_name"], body["resource_definition_id"]) == (
        "plate-7",
        "A1",
        str(resource.resource_definition_id),
    )


async def test_list_resources_filters_by_each_parent(client: httpx.AsyncClient, repos: Builders) -> None:
    workcell = await repos.workcell.create()
    tips = await repos.resource_definition.create(category=ResourceCategory.TIP_RACK)
    carrier = await repos.resource.create(name="carrier", workcell=workcell)
    on_carrier = await repos.resource.create(name="rack", resource_definition=tips, parent=carrier)
    await repos.resource.create(name="elsewhere")

    by_workcell = await client.get(RESOURCES, params={"workcell_id": str(workcell.accession_id)})
    by_parent = await client.get(RESOURCES, params={"parent_id": str(carrier.accession_id)})
    by_definition = await client.get(RESOURCES, params={"resource_definition_id": str(tips.accession_id)})

    assert names(by_workcell) == ["carrier"]
    assert names(by_parent) == ["rack"]
    assert names(by_definition) == ["rack"]
    assert total(by_parent) == 1
    assert by_parent.json()[0]["accession_id"] == str(on_carrier.accession_id)


async def test_list_resources_filters_by_status_and_name(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.resource.create(name="Plate A", status=ResourceStatus.AVAILABLE)
    await repos.resource.create(name="plate B", status=ResourceStatus.DISCARDED)
    await repos.resource.create(name="Trough", status=ResourceStatus.DISCARDED)

    discarded = await client.get(RESOURCES, params={"status": "discarded", "order_by": "name"})
    plates = await client.get(RESOURCES, params={"name": "plate", "order_by": "name"})

    assert names(discarded) == ["Trough", "plate B"]
    assert names(plates) == ["Plate A", "plate B"]
    assert total(plates) == 2


async def test_list_a_carriers_labware_by_slot(client: httpx.AsyncClient, repos: Builders) -> None:
    carrier = await repos.resource.create(name="carrier")
    plates = await repos.resource.create_batch(4, parent=carrier)
    for plate, slot in zip(plates, ["4", "2", "3", "1"], strict=True):
        await repos.resource.update(plate, position_name=slot)

    by_slot = await client.get(
        RESOURCES, params={"parent_id": str(carrier.accession_id), "order_by": "-position_name"}
    )
    assert [r["position_name"] for r in by_slot.json()] == ["4", "3", "2", "1"]


async def test_update_resource_moves_it_onto_and_off_a_carrier(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    carrier = await repos.resource.create()
    plate = await repos.resource.create()

    placed = await client.patch(
        f"{RESOURCES}/{plate.accession_id}",
        json={"parent_id": str(carrier.accession_id), "position_name": "2"},
    )
    lifted = await client.patch(f"{RESOURCES}/{plate.accession_id}", json={"parent_id": None})

    assert placed.json()["parent_id"] == str(carrier.accession_id)
    assert lifted.status_code == 200
    assert (lifted.json()["parent_id"], lifted.json()["position_name"]) == (None, "2")
    assert (await repos.resource.get(plate.accession_id)).parent_id is None


async def test_update_resource_onto_itself_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    plate = await repos.resource.create()

    response = await client.patch(
        f"{RESOURCES}/{plate.accession_id}", json={"parent_id": str(plate.accession_id)}
    )

    assert_error(response, 409, "invalid_value", entity="resource", field="parent_id")
    assert (await repos.resource.get(plate.accession_id)).parent_id is None


async def test_delete_of_a_carrier_leaves_its_labware_free_standing(
    client: httpx.AsyncClient, repos: Builders, db_session: AsyncSession
) -> None:
    carrier = await repos.resource.create()
    plate = await repos.resource.create(parent=carrier, position_name="1")

    assert (await client.delete(f"{RESOURCES}/{carrier.accession_id}")).status_code == 204

    # ON DELETE SET NULL happens in the database; reload the plate the builder left in the session
    await db_session.refresh(plate)
    assert plate.parent_id is None
    assert (await client.get(f"{RESOURCES}/{plate.accession_id}")).json()["parent_id"] is None


async def test_update_resource_onto_its_own_labware_is_409(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    carrier = await repos.resource.create(name="carrier")
    rack = await repos.resource.create(name="rack", parent=carrier)
    tube = await repos.resource.create(name="tube", parent=rack)

    response = await client.patch(
        f"{RESOURCES}/{carrier.accession_id}", json={"parent_id": str(tube.accession_id)}
    )

    assert_error(response, 409, "invalid_value", entity="resource", field="parent_id")
    assert (await repos.resource.get(carrier.accession_id)).parent_id is None
    sideways = await client.patch(
        f"{RESOURCES}/{tube.accession_id}", json={"parent_id": str(carrier.accession_id)}
    )
    assert sideways.status_code == 200  # moving down the same tree without a loop is fine


# == statuses with details ===========================================================================


async def test_labware_moves_through_the_statuses_a_lab_uses(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    trough = await repos.resource.create()
    url = f"{RESOURCES}/{trough.accession_id}"

    steps = [
        {"status": "in_use"},
        {"status": "depleted", "status_details": "reagent below dead volume"},
        {"status": "available", "status_details": "refilled"},
        {"status": "error", "status_details": "cracked"},
        {"status": "discarded"},
    ]
    seen = []
    for step in steps:
        response = await client.patch(url, json=step)
        assert response.status_code == 200, response.text
        seen.append((response.json()["status"], response.json()["status_details"]))

    assert seen == [
        ("in_use", None),
        ("depleted", "reagent below dead volume"),
        ("available", "refilled"),
        ("error", "cracked"),
        ("discarded", None),
    ]
    assert [r["name"] for r in (await client.get(RESOURCES, params={"status": "discarded"})).json()] == [
        trough.name
    ]


async def test_discarded_labware_stays_discarded(client: httpx.AsyncClient, repos: Builders) -> None:
    plate = await repos.resource.create(status=ResourceStatus.DISCARDED)

    response = await client.patch(f"{RESOURCES}/{plate.accession_id}", json={"status": "available"})

    assert_error(response, 409, "conflict", entity="resource", field="status")
    assert (await repos.resource.get(plate.accession_id)).status is ResourceStatus.DISCARDED


async def test_labware_in_error_needs_a_reason(client: httpx.AsyncClient, repos: Builders) -> None:
    plate = await repos.resource.create()

    response = await client.patch(f"{RESOURCES}/{plate.accession_id}", json={"status": "error"})

    assert_error(response, 409, "invalid_value", entity="resource", field="status_details")


# == where labware is ================================================================================


async def test_labware_on_a_deck_position_has_a_deck_location(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await repos.deck.create()
    definition = await repos.resource_definition.create(category=ResourceCategory.CARRIER)

    response = await client.post(
        RESOURCES,
        json={
            "name": "carrier 1",
            "resource_definition_id": str(definition.accession_id),
            "deck_id": str(deck.accession_id),
            "position_name": "rail-2",
        },
    )

    assert response.status_code == 201, response.text
    assert response.json()["location"] == {
        "kind": "deck",
        "deck_id": str(deck.accession_id),
        "parent_id": None,
        "position_name": "rail-2",
    }


async def test_labware_on_a_carrier_has_a_resource_location_and_is_its_child(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    carrier = await repos.resource.create(name="carrier")
    await repos.resource.create(name="plate 2", parent=carrier, position_name="2")
    plate = await repos.resource.create(name="plate 1", parent=carrier, position_name="1")
    await repos.resource.create(name="elsewhere")

    read = (await client.get(f"{RESOURCES}/{plate.accession_id}")).json()
    children = await client.get(f"{RESOURCES}/{carrier.accession_id}/children")

    assert read["location"] == {
        "kind": "resource",
        "deck_id": None,
        "parent_id": str(carrier.accession_id),
        "position_name": "1",
    }
    assert [c["name"] for c in children.json()] == ["plate 1", "plate 2"]
    assert (await client.get(f"{RESOURCES}/{plate.accession_id}/children")).json() == []
    assert_error(
        await client.get(f"{RESOURCES}/{missing_id()}/children"), 404, "not_found", entity="resource"
    )


async def test_a_deck_position_holds_one_resource_of_the_deck_type(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await repos.deck.create()
    carrier = await repos.resource.create(deck=deck, position_name="rail-1")
    other = await repos.resource.create()
    url = f"{RESOURCES}/{other.accession_id}"

    taken = await client.patch(url, json={"deck_id": str(deck.accession_id), "position_name": "rail-1"})
    unknown = await client.patch(url, json={"deck_id": str(deck.accession_id), "position_name": "rail-9"})
    both = await client.patch(
        url, json={"deck_id": str(deck.accession_id), "parent_id": str(carrier.accession_id)}
    )

    assert_error(taken, 409, "conflict", entity="resource", field="position_name")
    assert_error(unknown, 409, "invalid_value", entity="resource", field="position_name")
    assert_error(both, 409, "invalid_value", entity="resource", field="deck_id")
    assert (await repos.resource.get(other.accession_id)).deck_id is None


async def test_moving_labware_onto_a_carrier_takes_it_off_the_deck(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    deck = await repos.deck.create()
    carrier = await repos.resource.create(deck=deck, position_name="rail-1")
    plate = await repos.resource.create(deck=deck, position_name="rail-2")

    moved = await client.patch(
        f"{RESOURCES}/{plate.accession_id}",
        json={"parent_id": str(carrier.accession_id), "position_name": "1"},
    )

    assert moved.json()["location"]["kind"] == "resource"
    assert moved.json()["deck_id"] is None
    assert [
        c["name"] for c in (await client.get(RESOURCES, params={"deck_id": str(deck.accession_id)})).json()
    ] == [carrier.name]


async def test_labware_is_listed_by_its_definitions_fqn(client: httpx.AsyncClient, repos: Builders) -> None:
    plates = await repos.resource_definition.create(fqn=PLATE_FQN)
    tips = await repos.resource_definition.create(fqn="pylabrobot.resources.hamilton.HTF")
    await repos.resource.create(name="plate 1", resource_definition=plates)
    await repos.resource.create(name="plate 2", resource_definition=plates)
    await repos.resource.create(name="tips", resource_definition=tips)

    response = await client.get(RESOURCES, params={"fqn": PLATE_FQN, "order_by": "name"})

    assert names(response) == ["plate 1", "plate 2"]
    assert total(response) == 2
    assert names(await client.get(RESOURCES, params={"fqn": "pylabrobot.nothing"})) == []
