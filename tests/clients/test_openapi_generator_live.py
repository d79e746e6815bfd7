"""The API through openapi-generator's Python client (``--generator-name=python``), generated from
the live server's document: every operation generated, and the requests its first version of the
document broke (JSON fields holding arrays, nested objects and nulls were refused client-side, and
reading runs or outputs failed in the generated code) answered and read back.
"""

from __future__ import annotations

import importlib
import inspect
import json
from typing import Any

import pytest

from tests.builders.base import unique_name
from tests.clients import CLIENT_TIER
from tests.clients.lab import CHANGED, NESTED
from tests.harness.generated_client import (
    GENERATED_CLIENTS,
    OPENAPI_GENERATOR,
    GeneratedPackage,
    generated_package,
)
from tests.harness.live import LiveServer

#: slow: the generator's JVM takes ten seconds or more, on the first run with a new document
pytestmark = [pytest.mark.xdist_group(CLIENT_TIER), pytest.mark.slow(seconds=15)]
#: what each operation's method comes with besides itself
VARIANTS = ("_with_http_info", "_without_preload_content")


@pytest.fixture(scope="module")
def generated(document: bytes) -> GeneratedPackage:
    return generated_package(OPENAPI_GENERATOR, document, GENERATED_CLIENTS)


@pytest.fixture
def p(generated: GeneratedPackage, client_tier_server: LiveServer, client_tier_token: str) -> Any:
    """The generated package, its default client pointed at the server with the tier's API token."""
    package = generated.package
    configuration = package.Configuration(host=client_tier_server.url, access_token=client_tier_token)
    package.ApiClient.set_default(package.ApiClient(configuration))
    return package


def test_every_operation_of_the_document_is_generated(generated: GeneratedPackage, document: bytes) -> None:
    api = importlib.import_module(f"{generated.package.__name__}.api")
    generated_operations = {
        name
        for _, cls in inspect.getmembers(api, inspect.isclass)
        for name, _ in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and not name.endswith(VARIANTS)
    }
    in_document = {
        operation["operationId"]
        for item in json.loads(document)["paths"].values()
        for operation in item.values()
        if "operationId" in operation
    }

    assert generated_operations == in_document
    assert "Failed to" not in generated.log.replace("Failed to get the schema name: null", ""), generated.log


def test_json_fields_runs_calls_and_outputs_round_trip(p: Any) -> None:
    workcell = p.WorkcellsApi().create_workcell(
        p.WorkcellCreate(name=unique_name("generator bay"), latest_state=NESTED)
    )
    assert workcell.latest_state == NESTED
    patched = p.WorkcellsApi().patch_workcell(
        workcell.accession_id, p.WorkcellUpdate(version=workcell.version, latest_state=CHANGED)
    )
    assert (patched.version, patched.latest_state) == (2, CHANGED)

    definition = p.ProtocolDefinitionsApi().create_protocol_definition(
        p.ProtocolDefinitionCreate(
            name="generator_protocol",
            fqn="lab.generator_protocol",
            parameters=[{"name": "plate", "bounds": [1, None]}],
        )
    )
    runs = p.ProtocolRunsApi()
    run = runs.create_protocol_run(
        p.ProtocolRunCreate(
            protocol_definition_id=definition.accession_id, input_parameters={"plate": NESTED}
        )
    )
    runs.start_protocol_run(run.accession_id)
    call = runs.create_function_call(
        run.accession_id, p.FunctionCallCreate(function_name="aspirate", arguments={"volumes": [100, None]})
    )
    runs.end_function_call(
        run.accession_id, call.accession_id, p.FunctionCallEnd(return_value=[1, None, NESTED])
    )
    unended = runs.create_function_call(run.accession_id, p.FunctionCallCreate(function_name="dispense"))
    runs.end_function_call(run.accession_id, unended.accession_id)  # a body it may leave out, left out
    p.OutputsApi().create_output(
        p.DataOutputCreate(
            protocol_run_id=run.accession_id, name="layout", data_type="json", json_value=[None, NESTED]
        )
    )

    [listed] = runs.list_protocol_runs(workcell_id=None, protocol_definition_id=definition.accession_id)
    assert [(c.function_name, c.return_value) for c in listed.function_calls] == [
        ("aspirate", [1, None, NESTED]),
        ("dispense", None),
    ]
    assert [o.json_value for o in p.OutputsApi().list_outputs(protocol_run_id=run.accession_id)] == [
        [None, NESTED]
    ]


def test_a_refused_request_raises_with_the_error_body(p: Any) -> None:
    twin = unique_name("generator twin")
    p.WorkcellsApi().create_workcell(p.WorkcellCreate(name=twin))

    with pytest.raises(p.ApiException) as refused:
        p.WorkcellsApi().create_workcell(p.WorkcellCreate(name=twin))

    error = p.ErrorBody.from_json(refused.value.body)
    # ``field`` is ``var_field`` in the generated model (pydantic keeps the name for itself)
    assert (refused.value.status, error.code, error.entity) == (409, "conflict", "workcell")
    assert (error.var_field, error.to_dict()["field"]) == ("name", "name")
