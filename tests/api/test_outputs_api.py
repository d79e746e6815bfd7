"""``/api/v1/outputs``: what runs measured; each value in the column its data type names.

The contract every collection shares (trailing slashes, paging, ordering by well and time, filters
by run and context, partial updates, unknown run, labware, machine, deck or call, 404s, deletes that
keep the run) is checked for outputs too, in ``tests/api/common/``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from praxis.backend.models.orm import DataType, RunStatus
from tests.api.bodies import output_body
from tests.api.helpers import API, assert_error, names, total
from tests.builders import Builders

URL = f"{API}/outputs"


# -- create ------------------------------------------------------------------------------------------


async def test_create_a_numeric_output(client: httpx.AsyncClient, repos: Builders) -> None:
    deck = await repos.deck.create()
    plate = await repos.resource.create()
    body = await output_body(
        repos,
        unit="OD",
        well_name="B7",
        measured_at="2026-03-01T10:15:00Z",
        spatial_context={"position": "rail-1"},
        deck_id=str(deck.accession_id),
        machine_id=str(deck.parent_machine_id),
        resource_id=str(plate.accession_id),
    )

    response = await client.post(URL, json=body)

    assert response.status_code == 201
    created = response.json()
    assert (created["data_type"], created["numeric_value"], created["json_value"], created["text_value"]) == (
        "numeric",
        0.73,
        None,
        None,
    )
    assert (created["unit"], created["well_name"], created["spatial_context"]) == (
        "OD",
        "B7",
        {"position": "rail-1"},
    )
    assert (created["deck_id"], created["resource_id"]) == (str(deck.accession_id), str(plate.accession_id))
    stored = await repos.data_output.get(created["accession_id"])
    assert (stored.numeric_value, stored.unit, str(stored.protocol_run_id)) == (
        0.73,
        "OD",
        body["protocol_run_id"],
    )
    assert stored.measured_at is not None and stored.measured_at.isoformat() == "2026-03-01T10:15:00+00:00"


@pytest.mark.parametrize("value", [{"spectrum": [0.1, 0.2]}, [1, 2, 3], "a string", 7])
async def test_create_a_json_output(client: httpx.AsyncClient, repos: Builders, value: Any) -> None:
    body = await output_body(repos, data_type="json", numeric_value=None, json_value=value)

    response = await client.post(URL, json=body)

    assert response.status_code == 201
    assert (response.json()["data_type"], response.json()["json_value"]) == ("json", value)
    assert (await repos.data_output.get(response.json()["accession_id"])).json_value == value


async def test_create_a_text_output(client: httpx.AsyncClient, repos: Builders) -> None:
    body = await output_body(repos, name="observation", data_type="text", text_value="well A1 cloudy")
    del body["numeric_value"]

    response = await client.post(URL, json=body)

    assert response.status_code == 201
    assert (response.json()["data_type"], response.json()["text_value"]) == ("text", "well A1 cloudy")
    stored = await repos.data_output.get(response.json()["accession_id"])
    assert (stored.data_type, stored.text_value, stored.numeric_value) == (
        DataType.TEXT,
        "well A1 cloudy",
        None,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"numeric_value": None}, "numeric_value"),
        ({"text_value": "also text"}, "text_value"),
        ({"json_value": {"also": "json"}}, "json_value"),
        ({"data_type": "text"}, "text_value"),
        ({"data_type": "json", "numeric_value": None, "text_value": "x"}, "json_value"),
        ({"data_type": "text", "numeric_value": None, "text_value": "x", "json_value": [1]}, "json_value"),
    ],
    ids=[
        "numeric-missing",
        "numeric-with-text",
        "numeric-with-json",
        "text-in-numeric-column",
        "json-in-text-column",
        "text-with-json",
    ],
)
async def test_a_value_missing_or_in_the_wrong_column_is_409(
    client: httpx.AsyncClient, repos: Builders, overrides: dict[str, Any], field: str
) -> None:
    response = await client.post(URL, json=await output_body(repos, **overrides))

    assert_error(response, 409, "invalid_value", entity="function_data_output", field=field)
    assert await repos.data_output.count() == 0


async def test_create_naming_a_call_of_the_run(client: httpx.AsyncClient, repos: Builders) -> None:
    body = await output_body(repos)
    call = await client.post(
        f"{API}/protocols/runs/{body['protocol_run_id']}/calls", json={"function_name": "read"}
    )

    response = await client.post(URL, json={**body, "function_call_id": call.json()["accession_id"]})

    assert response.status_code == 201
    assert response.json()["function_call_id"] == call.json()["accession_id"]


async def test_create_naming_a_call_of_another_run_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    other = await repos.protocol_run.create(status=RunStatus.RUNNING)
    call = await client.post(
        f"{API}/protocols/runs/{other.accession_id}/calls", json={"function_name": "read"}
    )

    response = await client.post(
        URL, json=await output_body(repos, function_call_id=call.json()["accession_id"])
    )

    assert_error(response, 409, "invalid_reference", entity="function_data_output", field="function_call_id")
    assert await repos.data_output.count() == 0


# -- get ---------------------------------------------------------------------------------------------


async def test_get_returns_the_output(client: httpx.AsyncClient, repos: Builders) -> None:
    output = await repos.data_output.create(data_type=DataType.JSON, json_value={"spectrum": [0.1, 0.2]})

    response = await client.get(f"{URL}/{output.accession_id}")

    assert response.status_code == 200
    body = response.json()
    assert (body["data_type"], body["json_value"], body["protocol_run_id"]) == (
        "json",
        {"spectrum": [0.1, 0.2]},
        str(output.protocol_run_id),
    )


# -- list --------------------------------------------------------------------------------------------


async def test_list_filters_by_run(client: httpx.AsyncClient, repos: Builders) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    readings = await repos.data_output.create_batch(4, protocol_run=run)
    await repos.data_output.create_batch(2)  # another run's

    response = await client.get(URL, params={"protocol_run_id": str(run.accession_id)})

    assert response.status_code == 200
    assert {o["accession_id"] for o in response.json()} == {str(r.accession_id) for r in readings}
    assert {o["protocol_run_id"] for o in response.json()} == {str(run.accession_id)}
    assert total(response) == 4


async def test_list_filters_by_context_type_well_and_name(client: httpx.AsyncClient, repos: Builders) -> None:
    run = await repos.protocol_run.create()
    deck = await repos.deck.create()
    plate = await repos.resource.create()
    await repos.data_output.create(protocol_run=run, name="OD600", well_name="A1", deck=deck, resource=plate)
    await repos.data_output.create(
        protocol_run=run, name="od450", well_name="A2", machine=deck.parent_machine_id
    )
    await repos.data_output.create(protocol_run=run, name="note", data_type=DataType.TEXT, well_name="A1")

    def query(**params: Any) -> Any:
        return client.get(URL, params={"order_by": "name", **params})

    assert names(await query(deck_id=str(deck.accession_id))) == ["OD600"]
    assert names(await query(resource_id=str(plate.accession_id))) == ["OD600"]
    assert names(await query(machine_id=str(deck.parent_machine_id))) == ["od450"]
    assert names(await query(data_type="text")) == ["note"]
    assert names(await query(well_name="A1")) == ["OD600", "note"]
    assert names(await query(name="od")) == ["OD600", "od450"]


async def test_a_time_without_a_zone_is_taken_as_utc(client: httpx.AsyncClient, repos: Builders) -> None:
    """What the response says is what is stored: a naive ``measured_at`` is UTC in both."""
    response = await client.post(URL, json=await output_body(repos, measured_at="2026-03-01T10:15:00"))

    assert response.status_code == 201
    measured_at = datetime.fromisoformat(response.json()["measured_at"])
    assert measured_at == datetime(2026, 3, 1, 10, 15, tzinfo=UTC)
    stored = await repos.data_output.get(response.json()["accession_id"])
    await repos.session.refresh(stored)
    assert stored.measured_at == measured_at
    fetched = await client.get(f"{URL}/{response.json()['accession_id']}")
    assert datetime.fromisoformat(fetched.json()["measured_at"]) == measured_at


# == quality, plates as wells, and wells as a plate ==================================================


async def test_an_output_carries_its_quality_score(client: httpx.AsyncClient, repos: Builders) -> None:
    response = await client.post(URL, json=await output_body(repos, data_quality_score=0.9))
    output_id = response.json()["accession_id"]

    cleared = await client.patch(f"{URL}/{output_id}", json={"data_quality_score": None})

    assert response.json()["data_quality_score"] == 0.9
    assert cleared.json()["data_quality_score"] is None


async def test_a_96_value_read_becomes_96_wells_in_one_insert(
    client: httpx.AsyncClient, repos: Builders, count_queries: Any
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    plate = await repos.resource.create()
    values = [round(0.1 + i / 100, 2) for i in range(96)]

    with count_queries() as queries:
        response = await client.post(
            f"{URL}/wells",
            json={
                "protocol_run_id": str(run.accession_id),
                "name": "absorbance_600nm",
                "values": values,
                "unit": "OD600",
                "resource_id": str(plate.accession_id),
                "data_quality_score": 0.95,
            },
        )

    assert response.status_code == 201, response.text
    wells = response.json()
    assert [w["well_name"] for w in wells][:13] == [f"A{c}" for c in range(1, 13)] + ["B1"]
    assert (wells[-1]["well_name"], wells[-1]["numeric_value"]) == ("H12", values[-1])
    assert {(w["unit"], w["resource_id"], w["data_quality_score"]) for w in wells} == {
        ("OD600", str(plate.accession_id), 0.95)
    }
    assert queries.kinds().count("INSERT") == 1
    assert await repos.data_output.count(protocol_run_id=run.accession_id) == 96


@pytest.mark.parametrize(
    ("values", "field", "status"),
    # 409: a list the schema allows but no plate has; 422: what the schema itself refuses
    [([0.1] * 95, "values", 409), ([], "values", 422), ([0.1] * 95 + ["high"], "values.95", 422)],
    ids=["no-plate-has-95-wells", "empty", "not-a-number"],
)
async def test_wells_refuse_a_read_that_fits_no_plate(
    client: httpx.AsyncClient, repos: Builders, values: list[Any], field: str, status: int
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)

    response = await client.post(
        f"{URL}/wells", json={"protocol_run_id": str(run.accession_id), "name": "od", "values": values}
    )

    assert response.status_code == status, response.text
    assert response.json().get("field") == field or field in {
        ".".join(str(p) for p in e["loc"][1:]) for e in response.json().get("errors") or []
    }
    assert await repos.data_output.count() == 0


async def test_wells_of_an_unknown_run_or_a_call_of_another_run_are_refused(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    call = await repos.function_call_log.create()
    body = {"protocol_run_id": str(run.accession_id), "name": "od", "values": [0.1] * 24}

    unknown_run = await client.post(
        f"{URL}/wells", json={**body, "protocol_run_id": "01a20e5a-0000-7000-8000-000000000000"}
    )
    other_call = await client.post(f"{URL}/wells", json={**body, "function_call_id": str(call.accession_id)})

    assert_error(unknown_run, 409, "invalid_reference", field="protocol_run_id")
    assert_error(other_call, 409, "invalid_reference", field="function_call_id")
    assert await repos.data_output.count() == 0


async def test_a_runs_wells_come_back_as_a_plate_grid(client: httpx.AsyncClient, repos: Builders) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    values = [float(i) for i in range(96)]
    await client.post(
        f"{URL}/wells",
        json={
            "protocol_run_id": str(run.accession_id),
            "name": "absorbance_600nm",
            "values": values,
            "unit": "OD",
        },
    )
    await repos.data_output.create(protocol_run=run, name="fluorescence", well_name="A1", numeric_value=9.0)

    response = await client.get(
        f"{API}/protocols/runs/{run.accession_id}/outputs/plate", params={"name": "absorbance_600nm"}
    )

    assert response.status_code == 200, response.text
    plate = response.json()
    assert (plate["rows"], plate["columns"], plate["unit"]) == (list("ABCDEFGH"), 12, "OD")
    assert plate["grid"][0] == values[:12] and plate["grid"][7][11] == 95.0
    assert (plate["wells"]["A1"], plate["wells"]["H12"], len(plate["wells"])) == (0.0, 95.0, 96)


async def test_a_partly_read_plate_without_labware_is_a_96_well_plate_with_nulls(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create()
    for well, value in (("A1", 1.0), ("D5", 2.0)):
        await repos.data_output.create(protocol_run=run, name="od", well_name=well, numeric_value=value)

    plate = (
        await client.get(f"{API}/protocols/runs/{run.accession_id}/outputs/plate", params={"name": "od"})
    ).json()

    assert (plate["rows"], plate["columns"]) == (list("ABCDEFGH"), 12)
    assert plate["grid"][3][:6] == [None, None, None, None, 2.0, None]
    assert plate["grid"][0][:2] == [1.0, None]
    assert (plate["min_value"], plate["max_value"]) == (1.0, 2.0)


async def test_a_plate_takes_its_geometry_from_its_labware_definition_and_gives_its_measurement_time(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create()
    definition = await repos.resource_definition.create(properties={"num_items_x": 24, "num_items_y": 16})
    plate_384 = await repos.resource.create(resource_definition=definition)
    measured = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    for well, value in (("A1", 0.25), ("P24", 1.5), ("C3", 0.5)):  # three wells of 384: a partial plate
        await repos.data_output.create(
            protocol_run=run,
            name="od",
            well_name=well,
            numeric_value=value,
            resource=plate_384,
            measured_at=measured,
        )

    plate = (
        await client.get(f"{API}/protocols/runs/{run.accession_id}/outputs/plate", params={"name": "od"})
    ).json()

    assert (len(plate["rows"]), plate["columns"]) == (16, 24)
    assert plate["grid"][15][23] == 1.5 and plate["grid"][2][2] == 0.5
    assert sum(value is not None for row in plate["grid"] for value in row) == 3
    assert (plate["min_value"], plate["max_value"]) == (0.25, 1.5)
    assert plate["measured_at"] == "2026-12-06T09:30:00Z"


async def test_a_plate_of_nothing_is_404(client: httpx.AsyncClient, repos: Builders) -> None:
    run = await repos.protocol_run.create()
    url = f"{API}/protocols/runs/{run.accession_id}/outputs/plate"

    assert_error(await client.get(url, params={"name": "od"}), 404, "not_found", field="name")
    assert_error(
        await client.get(
            f"{API}/protocols/runs/01a20e5a-0000-7000-8000-000000000000/outputs/plate", params={"name": "od"}
        ),
        404,
        "not_found",
        entity="protocol_run",
    )
    assert (await client.get(url)).status_code == 422  # the name is required


async def test_a_wells_value_is_corrected_by_patch_and_put_versioned_and_the_plate_shows_it(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create()
    well = await repos.data_output.create(protocol_run=run, name="od", well_name="B2", numeric_value=9.9)
    item = f"{URL}/{well.accession_id}"

    corrected = await client.patch(item, json={"numeric_value": 0.99, "version": 1})
    stale = await client.patch(item, json={"numeric_value": 5.0, "version": 1})
    again = await client.put(item, json={"numeric_value": 0.98, "version": 2})
    plate = (
        await client.get(f"{API}/protocols/runs/{run.accession_id}/outputs/plate", params={"name": "od"})
    ).json()

    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["numeric_value"], corrected.json()["version"]) == (0.99, 2)
    assert_error(stale, 409, "conflict", field="version")
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 3
    assert plate["wells"] == {"B2": 0.98}


async def test_a_correction_in_the_wrong_column_or_clearing_the_value_is_refused(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create()
    well = await repos.data_output.create(protocol_run=run, name="od", well_name="B2", numeric_value=9.9)
    item = f"{URL}/{well.accession_id}"

    wrong = await client.patch(item, json={"text_value": "high"})
    cleared = await client.patch(item, json={"numeric_value": None})

    assert_error(wrong, 409, "invalid_value", field="text_value")
    assert_error(cleared, 422, "validation_error", field="numeric_value")
    assert (await client.get(item)).json()["numeric_value"] == 9.9


async def test_an_output_carries_its_measurement_conditions(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create()
    conditions = {"wavelength_nm": 600, "temperature_c": 25.0, "read_height_mm": 6.5}

    created = await client.post(
        URL,
        json={
            "protocol_run_id": str(run.accession_id),
            "name": "od",
            "numeric_value": 0.4,
            "measurement_conditions": conditions,
        },
    )

    assert created.status_code == 201, created.text
    assert (await client.get(f"{URL}/{created.json()['accession_id']}")).json()[
        "measurement_conditions"
    ] == conditions
