"""A running run's function call logs: numbered in order per run, refused on a run that is not
running, their input checked.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from praxis.backend.models.orm import CallStatus, RunStatus
from tests.api.helpers import (
    assert_error,
    assert_not_found,
    assert_rule_violation,
    assert_validation_error,
    missing_id,
)
from tests.api.runs.common import URL
from tests.builders import Builders


async def test_calls_on_a_running_run_are_numbered_in_order(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    url = f"{URL}/{run.accession_id}/calls"

    responses = [
        await client.post(url, json={"function_name": "pick_up_tips", "arguments": {"rack": "tips-1"}}),
        await client.post(url, json={"function_name": "aspirate", "arguments": {"vol": 50}}),
        await client.post(
            url,
            json={"function_name": "dispense", "status": "failed", "error_message": "clot detected"},
        ),
    ]

    assert [r.status_code for r in responses] == [201, 201, 201]
    first = responses[0].json()
    assert (first["sequence"], first["protocol_run_id"], first["status"], first["arguments"]) == (
        1,
        str(run.accession_id),
        "running",
        {"rack": "tips-1"},
    )
    assert [r.json()["sequence"] for r in responses] == [1, 2, 3]
    assert responses[2].json()["error_message"] == "clot detected"

    listed = await client.get(url)
    assert [(c["sequence"], c["function_name"]) for c in listed.json()] == [
        (1, "pick_up_tips"),
        (2, "aspirate"),
        (3, "dispense"),
    ]
    fetched = await client.get(f"{URL}/{run.accession_id}")
    assert [c["sequence"] for c in fetched.json()["function_calls"]] == [1, 2, 3]
    stored = await repos.protocol_run.repository.calls_of(run.accession_id)
    assert [(c.sequence, c.status) for c in stored] == [
        (1, CallStatus.RUNNING),
        (2, CallStatus.RUNNING),
        (3, CallStatus.FAILED),
    ]


async def test_calls_are_numbered_per_run(client: httpx.AsyncClient, repos: Builders) -> None:
    first, second = await repos.protocol_run.create_batch(2, status=RunStatus.RUNNING)

    for run in (first, second, first):
        await client.post(f"{URL}/{run.accession_id}/calls", json={"function_name": "mix"})

    assert [c.sequence for c in await repos.protocol_run.repository.calls_of(first.accession_id)] == [1, 2]
    assert [c.sequence for c in await repos.protocol_run.repository.calls_of(second.accession_id)] == [1]


@pytest.mark.parametrize("status", [s for s in RunStatus if s is not RunStatus.RUNNING])
async def test_a_call_on_a_run_that_is_not_running_is_409(
    client: httpx.AsyncClient, repos: Builders, status: RunStatus
) -> None:
    run = await repos.protocol_run.create(status=status)

    response = await client.post(f"{URL}/{run.accession_id}/calls", json={"function_name": "aspirate"})

    assert_error(response, 409, "conflict", entity="protocol_run", field="status")
    assert await repos.protocol_run.repository.calls_of(run.accession_id) == []


async def test_the_calls_of_an_unknown_run_are_404(client: httpx.AsyncClient) -> None:
    assert_not_found(await client.get(f"{URL}/{missing_id()}/calls"), entity="protocol_run")
    assert_not_found(
        await client.post(f"{URL}/{missing_id()}/calls", json={"function_name": "aspirate"}),
        entity="protocol_run",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "function_name"),
        ({"function_name": "x" * 256}, "function_name"),
        ({"function_name": "mix", "status": "paused"}, "status"),
        ({"function_name": "mix", "arguments": [1]}, "arguments"),
        ({"function_name": "mix", "sequence": 7}, "sequence"),
    ],
    ids=["missing-name", "name-over-255", "unknown-status", "arguments-not-object", "sequence-is-assigned"],
)
async def test_a_call_refuses_invalid_input(
    client: httpx.AsyncClient, repos: Builders, body: dict[str, Any], field: str
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)

    assert_validation_error(await client.post(f"{URL}/{run.accession_id}/calls", json=body), field)
    assert await repos.protocol_run.repository.calls_of(run.accession_id) == []


async def test_a_call_that_ends_before_it_starts_is_409(client: httpx.AsyncClient, repos: Builders) -> None:
    """Well-formed (two date-times), but against a rule the OpenAPI document cannot state."""
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    body = {"function_name": "mix", "started_at": "2026-03-01T10:00:00Z", "ended_at": "2026-03-01T09:59:59Z"}

    assert_rule_violation(await client.post(f"{URL}/{run.accession_id}/calls", json=body), "ended_at")
    assert await repos.protocol_run.repository.calls_of(run.accession_id) == []
