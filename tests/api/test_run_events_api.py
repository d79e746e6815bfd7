"""A run's events over HTTP, in-process: what the stream of an ended run holds, where it resumes, and
its errors. Events of a run executed live, across API instances: tests/live/test_run_events_live.py."""

from __future__ import annotations

import httpx

from praxis.backend.models.orm import CallStatus, RunStatus
from tests.api.helpers import API, assert_error
from tests.builders import Builders
from tests.harness.events import read_events

URL = f"{API}/protocols/runs"


async def ended_run_with_calls(repos: Builders) -> str:
    run = await repos.protocol_run.create(name="run-main-1", status=RunStatus.RUNNING)
    outer = await repos.function_call_log.create(protocol_run=run, function_name="read_plate")
    await repos.function_call_log.create(
        protocol_run=run, parent_function_call_log=outer, function_name="read", status=CallStatus.FAILED
    )
    await repos.data_output.create(protocol_run=run, name="od600", numeric_value=0.5, well_name="A1")
    await repos.function_call_log.update(outer, status=CallStatus.FAILED)
    await repos.protocol_run.update(run, status=RunStatus.FAILED)
    return str(run.accession_id)


async def test_an_ended_runs_stream_gives_its_history_in_order_and_ends(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run_id = await ended_run_with_calls(repos)

    events, ended = await read_events(client, f"{URL}/{run_id}/events")

    assert ended
    assert [
        (e.kind, e.data.get("function_name") or e.data.get("name"), e.data.get("status")) for e in events
    ] == [
        ("status", "run-main-1", "running"),
        ("call_started", "read_plate", "running"),
        ("call_started", "read", "running"),
        ("call_ended", "read", "failed"),
        ("output", "od600", None),
        ("call_ended", "read_plate", "failed"),
        ("status", "run-main-1", "failed"),
    ]
    assert [e.id for e in events] == sorted({e.id for e in events})
    assert events[3].data["error_traceback"]  # a failed call's event carries its traceback


async def test_last_event_id_resumes_after_that_event(client: httpx.AsyncClient, repos: Builders) -> None:
    run_id = await ended_run_with_calls(repos)
    everything, _ = await read_events(client, f"{URL}/{run_id}/events")

    rest, ended = await read_events(client, f"{URL}/{run_id}/events", last_event_id=everything[2].id)

    assert ended
    assert rest == everything[3:]


async def test_the_stream_of_no_run_is_a_404_and_a_bad_last_event_id_a_422(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    run_id = await ended_run_with_calls(repos)

    missing = await client.get(f"{URL}/00000000-0000-0000-0000-000000000000/events")
    bad = await client.get(f"{URL}/{run_id}/events", headers={"Last-Event-ID": "yesterday"})

    assert_error(missing, 404, "not_found", entity="protocol_run")
    assert_error(bad, 422, "validation_error", field="Last-Event-ID")
