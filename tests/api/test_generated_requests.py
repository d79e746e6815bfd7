"""Generated requests against the app's own OpenAPI document (schemathesis), in-process, on the test
database: no 5xx, and every response matches the status codes and schema the document declares.

Cases are generated first (Hypothesis, no I/O), then sent one by one through the ``client`` fixture
on the test's event loop: valid requests (``positive``) and deliberately invalid ones (``negative``)
for every operation.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from praxis.backend.api.app import create_app

CASES_PER_OPERATION_AND_MODE = 12
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
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case: Any) -> None:
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:
        return []  # e.g. no invalid request exists for an operation that takes no input
    return cases


def all_cases() -> list[Any]:
    schema = schemathesis.openapi.from_dict(create_app().openapi())
    cases = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            cases.extend(generate(operation.as_strategy(generation_mode=mode), CASES_PER_OPERATION_AND_MODE))
    return cases


@pytest.mark.xdist_group("generated-requests")
async def test_generated_requests_get_no_5xx_and_match_the_schema(client: httpx.AsyncClient) -> None:
    cases = all_cases()
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for case in cases:
        request = case.as_transport_kwargs(base_url=str(client.base_url))
        response = await client.request(
            request["method"],
            request["url"],
            params=request.get("params"),
            headers=request.get("headers"),
            json=request.get("json"),
            content=request.get("data") if isinstance(request.get("data"), bytes | str) else None,
        )
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as failure:  # every failed check, reported together below
            failures.append(
                f"{case.operation.label}: {str(failure).splitlines()[0]} [{response.status_code}]"
            )

    print(f"{len(cases)} generated requests, statuses {dict(sorted(statuses.items()))}")
    assert len(cases) >= 1000
    assert not [s for s in statuses if s >= 500]
    assert failures == [], "\n".join(sorted(set(failures))[:40])
