"""What the runs tests share: the collection's URL, the state machine's table, a run made through the API.

The table is the service's own, not a copy: a run recorded by hand (no worker) starts, completes and
fails along ``praxis.backend.services.protocol.TRANSITIONS`` and is cancelled where
``praxis.backend.execution.lifecycle`` allows it; every other move is a 409 that leaves the run as it
was (``test_transitions.py``).
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import httpx

from praxis.backend.execution.lifecycle import CLIENT_COMMANDS
from praxis.backend.models.orm import RunStatus
from praxis.backend.services.protocol import TRANSITIONS
from tests.api.helpers import API

URL = f"{API}/protocols/runs"

#: action -> the statuses of a run recorded by hand it applies to
APPLIES_TO: dict[str, frozenset[RunStatus]] = {
    **{action: step.sources for action, step in TRANSITIONS.items()},
    "cancel": CLIENT_COMMANDS["cancel"],
}
#: every (status, action) the state machine refuses
REFUSED = [
    (status, action)
    for status, action in itertools.product(RunStatus, APPLIES_TO)
    if status not in APPLIES_TO[action]
]


def at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def create_run(client: httpx.AsyncClient, definition_id: Any, **fields: Any) -> dict[str, Any]:
    body = {"protocol_definition_id": str(definition_id), "input_parameters": {"volume_ul": 50}, **fields}
    response = await client.post(URL, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]
