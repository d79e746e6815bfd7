"""The API through a client generated from its document, as a lab integrator would use it.

Every request here goes through the package ``openapi-python-client`` generated from the live
server's ``/openapi.json`` (``lab`` and ``python_client``), never through hand-written HTTP: a document
a generator cannot turn into a working client fails here, operation by operation.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.clients import CLIENT_TIER
from tests.clients.lab import CHANGED, COLLECTIONS, NESTED, REPLACED, ClientCollection, ClientLab
from tests.harness.generated_client import GeneratedClient

pytestmark = pytest.mark.xdist_group(CLIENT_TIER)
METHODS = ("get", "put", "post", "patch", "delete")


def test_the_client_has_every_operation_of_the_document(
    python_client: GeneratedClient, document: bytes
) -> None:
    in_document = {
        operation["operationId"]
        for item in json.loads(document)["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    }

    assert set(python_client.operations) == in_document
    assert "warning" not in python_client.log.lower(), python_client.log
    assert all(hasattr(module, "sync_detailed") for module in python_client.operations.values())


def json_of(read: Any, field: str) -> Any:
    return read.to_dict()[field]


@pytest.mark.parametrize("collection", COLLECTIONS, ids=str)
def test_a_row_of_every_collection_is_created_read_listed_updated_and_deleted(
    lab: ClientLab, collection: ClientCollection
) -> None:
    noun, read_model = collection.noun, getattr(lab.models, f"{collection.model}Read")
    field, sent = collection.created_json

    created = lab.create(noun)
    assert isinstance(created, read_model)
    assert json_of(created, field) == sent
    got = lab.call(f"get_{noun}", 200, id=created.accession_id)
    assert got.to_dict() == created.to_dict()
    listed = lab.call(f"list_{collection.plural}", 200, limit=500)
    assert [row.to_dict() for row in listed if row.accession_id == created.accession_id] == [
        created.to_dict()
    ]

    latest = created
    for method, value in (("patch", CHANGED), ("put", REPLACED)):
        changes: dict[str, Any] = {"name": f"{created.name} ({method})"}
        if collection.updated_json is not None:
            changes[collection.updated_json] = value
        if collection.versioned:
            changes["version"] = latest.version
        body = getattr(lab.models, f"{collection.model}Update").from_dict(changes)
        updated = lab.call(f"{method}_{noun}", 200, id=created.accession_id, body=body)
        assert updated.name == changes["name"]
        if collection.updated_json is not None:
            assert json_of(updated, collection.updated_json) == value
        if collection.versioned:
            assert updated.version == latest.version + 1
        assert lab.call(f"get_{noun}", 200, id=created.accession_id).to_dict() == updated.to_dict()
        latest = updated

    assert lab.answer(f"delete_{noun}", id=created.accession_id).status_code == 204
    gone = lab.call(f"get_{noun}", 404, id=created.accession_id)
    assert isinstance(gone, lab.models.ErrorBody)
    assert gone.code == "not_found"


def test_labware_is_placed_on_a_deck_position_and_a_plate_on_a_carrier(lab: ClientLab) -> None:
    models = lab.models
    deck = lab.create("deck")
    deck_type = lab.call("get_deck_definition", 200, id=deck.deck_definition_id)
    assert [position.name for position in deck_type.positions] == ["rail-1", "rail-2"]
    assert deck_type.positions[0].properties.to_dict() == {"pitch": [22.5, None]}

    carrier = lab.create("resource", deck_id=deck.accession_id, position_name="rail-1")
    plate = lab.create("resource", parent_id=carrier.accession_id, position_name="A1")

    assert carrier.location.to_dict() == {
        "kind": "deck",
        "deck_id": str(deck.accession_id),
        "parent_id": None,
        "position_name": "rail-1",
    }
    assert plate.location.kind == models.LocationKind.RESOURCE
    assert plate.location.parent_id == carrier.accession_id
    children = lab.call("list_resource_children", 200, id=carrier.accession_id)
    assert [child.accession_id for child in children] == [plate.accession_id]
    on_the_deck = lab.call("list_resources", 200, deck_id=deck.accession_id)
    assert [row.accession_id for row in on_the_deck] == [carrier.accession_id]


def bring_to_running(lab: ClientLab, run: Any) -> Any:
    """A pending run started by hand, as a client that records its own run does (no worker)."""
    started = lab.call(
        "start_protocol_run",
        200,
        id=run.accession_id,
        body=lab.models.RunTransition(
            version=run.version, initial_state_json=lab.json("RunTransitionInitialStateJsonType0", NESTED)
        ),
    )
    assert started.status == lab.models.RunStatus.RUNNING
    return started


def test_a_queued_run_is_paused_resumed_and_cancelled(lab: ClientLab) -> None:
    """Queueing hands a run to a worker; this tier runs none, so the run waits in the queue, where a
    client can pause, resume and cancel it."""
    models = lab.models
    run = lab.create("protocol_run")

    queued = lab.call("queue_protocol_run", 200, id=run.accession_id)
    paused = lab.call("pause_protocol_run", 200, id=run.accession_id, body=models.RunCommand(reason="lunch"))
    resumed = lab.call("resume_protocol_run", 200, id=run.accession_id)
    cancelled = lab.call(
        "cancel_protocol_run", 200, id=run.accession_id, body=models.RunCancel(version=resumed.version)
    )

    assert [r.status for r in (queued, paused, resumed, cancelled)] == [
        models.RunStatus.QUEUED,
        models.RunStatus.PAUSED,
        models.RunStatus.QUEUED,
        models.RunStatus.CANCELLED,
    ]
    assert "lunch" in paused.status_details
    assert queued.queued_at is not None
    refused = lab.call("queue_protocol_run", 409, id=run.accession_id)
    assert (refused.code, refused.entity) == ("conflict", "protocol_run")


def test_a_run_records_its_calls_and_outputs_and_reads_them_back(lab: ClientLab) -> None:
    models = lab.models
    run = lab.create("protocol_run")
    assert run.status == models.RunStatus.PENDING
    running = bring_to_running(lab, run)
    assert running.initial_state_json.to_dict() == NESTED

    outer = lab.call(
        "create_function_call",
        201,
        id=run.accession_id,
        body=models.FunctionCallCreate(
            function_name="serial_dilution",
            arguments=lab.json("FunctionCallCreateArguments", {"volumes": [100, 50, None], "plate": NESTED}),
        ),
    )
    inner = lab.call(
        "create_function_call",
        201,
        id=run.accession_id,
        body=models.FunctionCallCreate(
            function_name="aspirate", parent_function_call_log_id=outer.accession_id
        ),
    )
    ended = lab.call(
        "end_function_call",
        200,
        id=run.accession_id,
        call_id=inner.accession_id,
        body=models.FunctionCallEnd(return_value=[1, None, {"tips": []}]),
    )
    assert ended.return_value == [1, None, {"tips": []}]
    # a body the document lets a client leave out, left out
    lab.call("end_function_call", 200, id=run.accession_id, call_id=outer.accession_id)

    datum = lab.call(
        "create_output",
        201,
        body=models.DataOutputCreate(
            protocol_run_id=run.accession_id,
            name="plate layout",
            data_type=models.DataType.JSON,
            json_value=[None, NESTED],
            function_call_id=inner.accession_id,
        ),
    )
    wells = lab.call(
        "create_well_outputs",
        201,
        body=models.WellOutputsCreate(
            protocol_run_id=run.accession_id,
            name="absorbance_600nm",
            values=[i / 100 for i in range(96)],
            unit="AU",
        ),
    )
    assert len(wells) == 96
    completed = lab.call(
        "complete_protocol_run",
        200,
        id=run.accession_id,
        body=models.RunTransition(
            version=running.version, output_data=lab.json("RunTransitionOutputDataType0", CHANGED)
        ),
    )
    assert completed.status == models.RunStatus.COMPLETED

    calls = lab.call("list_function_calls", 200, id=run.accession_id)
    assert [(call.function_name, call.status) for call in calls] == [
        ("serial_dilution", models.CallStatus.COMPLETED),
        ("aspirate", models.CallStatus.COMPLETED),
    ]
    assert calls[0].arguments.to_dict() == {"volumes": [100, 50, None], "plate": NESTED}
    tree = lab.call("get_function_call_tree", 200, id=run.accession_id)
    assert [(node.function_name, [child.function_name for child in node.children]) for node in tree] == [
        ("serial_dilution", ["aspirate"])
    ]
    outputs = lab.call("list_outputs", 200, protocol_run_id=run.accession_id, limit=500)
    assert len(outputs) == 97
    assert [output.json_value for output in outputs if output.accession_id == datum.accession_id] == [
        [None, NESTED]
    ]
    plate = lab.call("get_output_plate", 200, id=run.accession_id, name="absorbance_600nm")
    assert plate.to_dict()["wells"] is not None
    read = lab.call("get_protocol_run", 200, id=run.accession_id)
    assert read.output_data.to_dict() == CHANGED
    assert len(read.function_calls) == 2


def test_a_refused_request_reads_as_the_clients_typed_error(lab: ClientLab) -> None:
    models = lab.models
    workcell = lab.create("workcell")

    duplicate = lab.call("create_workcell", 409, body=models.WorkcellCreate(name=workcell.name))
    too_long = lab.call("create_workcell", 422, body=models.WorkcellCreate(name="x" * 256))
    lab.call(
        "patch_workcell",
        200,
        id=workcell.accession_id,
        body=models.WorkcellUpdate(version=1, name="moved on"),
    )
    stale = lab.call(
        "patch_workcell", 409, id=workcell.accession_id, body=models.WorkcellUpdate(version=1, name="x")
    )
    missing = lab.call("get_workcell", 404, id=uuid.UUID(int=0))

    for error in (duplicate, too_long, stale, missing):
        assert isinstance(error, models.ErrorBody)
        assert error.detail
    assert (duplicate.code, duplicate.entity, duplicate.field) == ("conflict", "workcell", "name")
    assert (too_long.code, too_long.field) == ("validation_error", "name")
    assert [item.to_dict()["loc"] for item in too_long.errors] == [["body", "name"]]
    assert (stale.code, stale.field) == ("conflict", "version")
    assert missing.code == "not_found"
