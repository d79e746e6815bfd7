"""Generated requests against the app's own OpenAPI document (schemathesis), in-process, on the test
database: no 5xx, and every response matches the status codes and schema the document declares.

Cases are generated first (Hypothesis, no I/O), then sent one by one through the ``client`` fixture
on the test's event loop: valid requests (``positive``) and deliberately invalid ones (``negative``),
one test per operation and mode, so xdist spreads the work over its workers. The JSON fields' limits,
which the document states beside an open schema, reach the generator through schemathesis's hooks
(``tests.harness.schemathesis_hooks``, imported here).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from praxis.backend.api.app import create_app
from tests.harness import schemathesis_hooks  # registers the hooks
from tests.harness.budget import BUDGET, FULL, SHORT

CASES_PER_OPERATION_AND_MODE = BUDGET.cases_per_operation_and_mode  # PRAXIS_FUZZ_BUDGET: short, or full on CI
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def generate(strategy: Any, count: int) -> list[Any]:
    cases: list[Any] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        # HealthCheck's metaclass leaves out deprecated members in an untyped __iter__, read as
        # yielding the metaclass: the members are HealthChecks
        suppress_health_check=list(HealthCheck),  # pyright: ignore[reportArgumentType]
    )
    @given(strategy)
    def collect(case: Any) -> None:
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:
        return []  # e.g. no invalid request exists for an operation that takes no input
    return cases


def with_token(case: Any, request: httpx.Request, token: str) -> httpx.Request:
    """``request`` with the test's token where the case means a valid request; a case whose headers
    are deliberately invalid keeps its own Authorization, or sends none (it expects a 401)."""
    header = case.meta.components.get(ParameterLocation.HEADER) if case.meta is not None else None
    if header is None or header.mode is GenerationMode.POSITIVE:
        request.headers["Authorization"] = token
    elif "Authorization" not in (case.headers or {}):
        del request.headers["Authorization"]
    return request


def _operations() -> dict[str, Any]:
    schema = schemathesis.openapi.from_dict(
        create_app().openapi(), config=SchemathesisConfig.from_path(schemathesis_hooks.CONFIG_FILE)
    )
    operations = {}
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # an operation the document describes wrongly: fail, not skip it
            raise result.err()
        operation = result.ok()
        if _is_event_stream(operation.definition.raw):
            continue  # no end to wait for: the event streams are tested in tests/live/test_run_events_live.py
        operations[operation.label] = operation
    return operations


def _is_event_stream(operation: dict[str, Any]) -> bool:
    return "text/event-stream" in operation.get("responses", {}).get("200", {}).get("content", {})


OPERATIONS = _operations()
# Operations that take input (path, query or body) yield CASES_PER_OPERATION_AND_MODE cases in each
# mode; the others (GET /health) only their one valid request.
WITH_INPUT = sorted(
    label
    for label, operation in OPERATIONS.items()
    if operation.path_parameters or operation.query or operation.body
)


def test_a_full_run_sends_at_least_1000_generated_requests_and_a_short_one_every_operation() -> None:
    # each parametrised test below asserts it sent its share, so a run sends at least this many
    assert len(WITH_INPUT) * 2 * FULL.cases_per_operation_and_mode >= 1000
    assert SHORT.cases_per_operation_and_mode >= 1  # every operation and mode, fewer cases each
    assert len(OPERATIONS) >= 60  # every operation of every collection is in the document


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("label", sorted(OPERATIONS))
async def test_generated_requests_get_no_5xx_and_match_the_schema(
    client: httpx.AsyncClient, label: str, mode: GenerationMode
) -> None:
    cases = generate(OPERATIONS[label].as_strategy(generation_mode=mode), CASES_PER_OPERATION_AND_MODE)
    if label in WITH_INPUT:
        assert len(cases) == CASES_PER_OPERATION_AND_MODE
    failures: list[str] = []
    for case in cases:
        request = case.as_transport_kwargs(base_url=str(client.base_url))
        built = client.build_request(
            request["method"],
            request["url"],
            params=request.get("params"),
            headers=request.get("headers"),
            json=request.get("json"),
            content=request.get("data") if isinstance(request.get("data"), bytes | str) else None,
        )
        response = await client.send(with_token(case, built, client.headers["Authorization"]))
        assert response.status_code < 500, f"{label}: {response.status_code} {response.text}"
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as failure:  # every failed check, reported together below
            failures.append(f"{str(failure)[:900]} [{response.status_code}]")
    assert failures == [], f"{label}:\n" + "\n".join(sorted(set(failures)))
