"""``/api/v1/resources/definitions`` (the labware catalog) and ``/api/v1/resources`` (labware)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.models.orm import ResourceCategory, ResourceStatus
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

DEFINITIONS = f"{API}/resources/definitions"
RESOURCES = f"{API}/resources"
PLATE_FQN = "pylabrobot.resources.corning_costar.Cor_96_wellplate_360ul_Fb"


def plate_type(**overrides: Any) -> dict[str, Any]:
    return {"name": "Corning 96 flat", "fqn": PLATE_FQN, "category": "plate", **overrides}


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


async def test_create_definition_fills_in_defaults(client: httpx.AsyncClient) -> None:
    response = await client.post(DEFINITIONS, json={"name": "thing", "fqn": "pylabrobot.resources.Resource"})

    assert response.status_code == 201
    body = response.json()
    assert (body["category"], body["is_consumable"], body["size_x_mm"], body["properties"]) == (
        "other",
        True,
        None,
        {},
    )


async def test_create_definition_answers_with_and_without_trailing_slash(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    await check_create_at_both_paths(
        client, "resources/definitions", (plate_type(name="one"), plate_type(name="two"))
    )

    assert await repos.resource_definition.count() == 2


async def test_create_definition_with_a_taken_name_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.resource_definition.create(name="Corning 96 flat")

    response = await client.post(DEFINITIONS, json=plate_type())

    assert_error(response, 409, "conflict", entity="resource_definition", field="name")
    assert await repos.resource_definition.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fqn": PLATE_FQN}, "name"),
        ({"name": "plate"}, "fqn"),
        (plate_type(name="x" * 256), "name"),
        (plate_type(category="spaceship"), "category"),
        (plate_type(size_x_mm=-1), "size_x_mm"),
        (plate_type(size_x_mm="wide"), "size_x_mm"),
        (plate_type(is_consumable="sometimes"), "is_consumable"),
        (plate_type(wells=96), "wells"),
    ],
    ids=[
        "missing-name",
        "missing-fqn",
        "name-over-255",
        "unknown-category",
        "negative-size",
        "size-wrong-type",
        "bool-wrong-type",
        "unknown-field",
    ],
)
async def test_create_definition_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    assert_validation_error(await client.post(DEFINITIONS, json=body), field)
    assert await repos.resource_definition.count() == 0


async def test_get_definition(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.resource_definition.create(name="tips 300", category=ResourceCategory.TIP_RACK)

    response = await client.get(f"{DEFINITIONS}/{definition.accession_id}")

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["category"]) == ("tips 300", "tip_rack")
    assert_not_found(await client.get(f"{DEFINITIONS}/{missing_id()}"), entity="resource_definition")


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
    assert_validation_error(await client.get(DEFINITIONS, params={"category": "spaceship"}), "category")


async def test_list_definitions_pages_and_orders(client: httpx.AsyncClient, repos: Builders) -> None:
    definitions = await repos.resource_definition.create_batch(5)

    await check_paging(client, "resources/definitions", in_list_order(definitions))
    by_category = await client.get(DEFINITIONS, params={"order_by": "category"})
    assert by_category.status_code == 200
    await check_list_contract(client, "resources/definitions")


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_update_definition_changes_only_the_fields_sent(
    client: httpx.AsyncClient, repos: Builders, method: str
) -> None:
    definition = await repos.resource_definition.create(name="plate", description="keep")

    response = await client.request(
        method, f"{DEFINITIONS}/{definition.accession_id}", json={"nominal_volume_ul": 200, "size_z_mm": None}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["nominal_volume_ul"], body["size_z_mm"]) == (
        "plate",
        "keep",
        200.0,
        None,
    )
    stored = await repos.resource_definition.get(definition.accession_id)
    assert (stored.nominal_volume_ul, stored.size_z_mm, stored.fqn) == (200.0, None, PLATE_FQN)


async def test_update_definition_to_a_taken_name_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.resource_definition.create(name="taken")
    definition_id = (await repos.resource_definition.create(name="mine")).accession_id

    response = await client.patch(f"{DEFINITIONS}/{definition_id}", json={"name": "taken"})

    assert_error(response, 409, "conflict", entity="resource_definition", field="name")
    assert (await repos.resource_definition.get(definition_id)).name == "mine"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": 1}, "version"),
        ({"category": None}, "category"),
        ({"name": "x" * 256}, "name"),
        ({"wells": 96}, "wells"),
    ],
    ids=["not-versioned", "null-category", "name-over-255", "unknown-field"],
)
async def test_update_definition_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    definition = await repos.resource_definition.create(name="plate")

    assert_validation_error(await client.patch(f"{DEFINITIONS}/{definition.accession_id}", json=body), field)
    stored = await repos.resource_definition.get(definition.accession_id)
    assert (stored.name, stored.category) == ("plate", ResourceCategory.PLATE)


async def test_update_unknown_definition_is_404(client: httpx.AsyncClient) -> None:
    assert_not_found(await client.put(f"{DEFINITIONS}/{missing_id()}", json={"name": "x"}))


async def test_delete_definition_is_204_then_404(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.resource_definition.create()

    assert (await client.delete(f"{DEFINITIONS}/{definition.accession_id}")).status_code == 204

    assert await repos.resource_definition.get_or_none(definition.accession_id) is None
    assert_not_found(await client.get(f"{DEFINITIONS}/{definition.accession_id}"))
    assert_not_found(await client.delete(f"{DEFINITIONS}/{definition.accession_id}"))


async def test_delete_definition_in_use_is_409_and_keeps_it(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    resource = await repos.resource.create()

    response = await client.delete(f"{DEFINITIONS}/{resource.resource_definition_id}")

    assert_error(response, 409, "conflict", entity="resource_definition")
    assert await repos.resource_definition.exists(accession_id=resource.resource_definition_id)
    assert await repos.resource.exists(accession_id=resource.accession_id)


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


async def test_create_resource_fills_in_defaults(client: httpx.AsyncClient, repos: Builders) -> None:
    definition = await repos.resource_definition.create()

    response = await client.post(
        RESOURCES, json={"name": "plate", "resource_definition_id": str(definition.accession_id)}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["workcell_id"], body["parent_id"], body["properties"]) == (
        "available",
        None,
        None,
        {},
    )


async def test_create_resource_answers_with_and_without_trailing_slash(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    definition_id = str((await repos.resource_definition.create()).accession_id)

    await check_create_at_both_paths(
        client,
        "resources",
        (
            {"name": "one", "resource_definition_id": definition_id},
            {"name": "two", "resource_definition_id": definition_id},
        ),
    )

    assert await repos.resource.count() == 2


async def test_create_resource_with_a_taken_name_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    existing = await repos.resource.create(name="plate-1")

    response = await client.post(
        RESOURCES, json={"name": "plate-1", "resource_definition_id": str(existing.resource_definition_id)}
    )

    assert_error(response, 409, "conflict", entity="resource", field="name")
    assert await repos.resource.count() == 1


@pytest.mark.parametrize("field", ["resource_definition_id", "workcell_id", "parent_id"])
async def test_create_resource_with_an_unknown_reference_is_422(
    client: httpx.AsyncClient, repos: Builders, field: str
) -> None:
    definition = await repos.resource_definition.create()
    body = {"name": "plate", "resource_definition_id": str(definition.accession_id), field: missing_id()}

    response = await client.post(RESOURCES, json=body)

    assert_error(response, 422, "invalid_reference", entity="resource", field=field)
    assert await repos.resource.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "plate"}, "resource_definition_id"),
        ({"resource_definition_id": "{definition}"}, "name"),
        ({"name": "x" * 256, "resource_definition_id": "{definition}"}, "name"),
        ({"name": "plate", "resource_definition_id": "{definition}", "status": "lost"}, "status"),
        ({"name": "plate", "resource_definition_id": "{definition}", "parent_id": 7}, "parent_id"),
        ({"name": "plate", "resource_definition_id": "{definition}", "barcode": "P1"}, "barcode"),
    ],
    ids=[
        "missing-definition",
        "missing-name",
        "name-over-255",
        "unknown-status",
        "parent-wrong-type",
        "unknown-field",
    ],
)
async def test_create_resource_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    definition = await repos.resource_definition.create()
    body = {k: str(definition.accession_id) if v == "{definition}" else v for k, v in body.items()}

    assert_validation_error(await client.post(RESOURCES, json=body), field)
    assert await repos.resource.count() == 0


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
    assert_not_found(await client.get(f"{RESOURCES}/{missing_id()}"), entity="resource")


async def test_resource_routes_do_not_swallow_the_definitions_collection(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    await repos.resource_definition.create()

    response = await client.get(f"{RESOURCES}/definitions")

    assert response.status_code == 200
    assert isinstance(response.json(), list) and len(response.json()) == 1


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


async def test_list_resources_pages_and_orders(client: httpx.AsyncClient, repos: Builders) -> None:
    carrier = await repos.resource.create(name="carrier")
    plates = await repos.resource.create_batch(4, parent=carrier)
    for plate, slot in zip(plates, ["4", "2", "3", "1"], strict=True):
        await repos.resource.update(plate, position_name=slot)

    await check_paging(client, "resources", in_list_order([carrier, *plates]))
    by_slot = await client.get(
        RESOURCES, params={"parent_id": str(carrier.accession_id), "order_by": "-position_name"}
    )
    assert [r["position_name"] for r in by_slot.json()] == ["4", "3", "2", "1"]
    await check_list_contract(client, "resources")


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_update_resource_changes_only_the_fields_sent(
    client: httpx.AsyncClient, repos: Builders, method: str
) -> None:
    resource = await repos.resource.create(name="plate", properties={"barcode": "P1"})

    response = await client.request(method, f"{RESOURCES}/{resource.accession_id}", json={"status": "empty"})

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["status"], response.json()["properties"]) == (
        "plate",
        "empty",
        {"barcode": "P1"},
    )
    assert (await repos.resource.get(resource.accession_id)).status is ResourceStatus.EMPTY


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


async def test_update_resource_onto_itself_is_422(client: httpx.AsyncClient, repos: Builders) -> None:
    plate = await repos.resource.create()

    response = await client.patch(
        f"{RESOURCES}/{plate.accession_id}", json={"parent_id": str(plate.accession_id)}
    )

    assert_error(response, 422, "invalid_value", entity="resource", field="parent_id")
    assert (await repos.resource.get(plate.accession_id)).parent_id is None


@pytest.mark.parametrize("field", ["resource_definition_id", "workcell_id", "parent_id"])
async def test_update_resource_to_an_unknown_reference_is_422(
    client: httpx.AsyncClient, repos: Builders, field: str
) -> None:
    resource = await repos.resource.create()
    resource_id, definition_id = resource.accession_id, resource.resource_definition_id

    response = await client.patch(f"{RESOURCES}/{resource_id}", json={field: missing_id()})

    assert_error(response, 422, "invalid_reference", entity="resource", field=field)
    stored = await repos.resource.get(resource_id)
    assert (stored.resource_definition_id, stored.workcell_id, stored.parent_id) == (
        definition_id,
        None,
        None,
    )


async def test_update_resource_to_a_taken_name_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    await repos.resource.create(name="taken")
    resource_id = (await repos.resource.create(name="mine")).accession_id

    response = await client.put(f"{RESOURCES}/{resource_id}", json={"name": "taken"})

    assert_error(response, 409, "conflict", entity="resource", field="name")
    assert (await repos.resource.get(resource_id)).name == "mine"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"resource_definition_id": None}, "resource_definition_id"),
        ({"name": None}, "name"),
        ({"status": "lost"}, "status"),
        ({"version": 1}, "version"),
        ({"barcode": "P1"}, "barcode"),
    ],
    ids=["null-definition", "null-name", "unknown-status", "not-versioned", "unknown-field"],
)
async def test_update_resource_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    resource = await repos.resource.create(name="plate")

    assert_validation_error(await client.patch(f"{RESOURCES}/{resource.accession_id}", json=body), field)
    stored = await repos.resource.get(resource.accession_id)
    assert (stored.name, stored.status) == ("plate", ResourceStatus.AVAILABLE)


async def test_update_unknown_resource_is_404(client: httpx.AsyncClient) -> None:
    assert_not_found(await client.patch(f"{RESOURCES}/{missing_id()}", json={"status": "empty"}))


async def test_delete_resource_is_204_then_404(client: httpx.AsyncClient, repos: Builders) -> None:
    resource = await repos.resource.create()

    assert (await client.delete(f"{RESOURCES}/{resource.accession_id}")).status_code == 204

    assert await repos.resource.get_or_none(resource.accession_id) is None
    assert await repos.resource_definition.exists(accession_id=resource.resource_definition_id)
    assert_not_found(await client.get(f"{RESOURCES}/{resource.accession_id}"), entity="resource")
    assert_not_found(await client.delete(f"{RESOURCES}/{resource.accession_id}"), entity="resource")


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


async def test_update_resource_onto_its_own_labware_is_422(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    carrier = await repos.resource.create(name="carrier")
    rack = await repos.resource.create(name="rack", parent=carrier)
    tube = await repos.resource.create(name="tube", parent=rack)

    response = await client.patch(
        f"{RESOURCES}/{carrier.accession_id}", json={"parent_id": str(tube.accession_id)}
    )

    assert_error(response, 422, "invalid_value", entity="resource", field="parent_id")
    assert (await repos.resource.get(carrier.accession_id)).parent_id is None
    sideways = await client.patch(
        f"{RESOURCES}/{tube.accession_id}", json={"parent_id": str(carrier.accession_id)}
    )
    assert sideways.status_code == 200  # moving down the same tree without a loop is fine
