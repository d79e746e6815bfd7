"""What the load run sends: the lab it sets up first, and the mix of requests its clients draw from.

Each request says which statuses it may legitimately get (a 409 for a run another client already
started is one); anything else, a 5xx or a transport error, is a failure of the run.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import httpx


class Lab:
    """Ids made during set-up and by the clients, for requests to refer to."""

    def __init__(self) -> None:
        self.workcells: list[str] = []
        self.machines: list[str] = []
        self.deck_definitions: list[str] = []
        self.decks: list[str] = []
        self.definitions: list[str] = []
        self.runs: list[str] = []
        self.counter = 0

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"


async def created(response: Awaitable[httpx.Response]) -> dict[str, Any]:
    """The body of a set-up POST; a refusal stops the run with the API's own explanation."""
    answer = await response
    if answer.status_code != 201:
        raise RuntimeError(
            f"set-up {answer.request.method} {answer.request.url.path}: {answer.status_code} {answer.text}"
        )
    body: dict[str, Any] = answer.json()
    return body


async def set_up(http: httpx.AsyncClient, lab: Lab) -> None:
    for _ in range(3):
        workcell = await created(
            http.post("/api/v1/workcells", json={"name": lab.name("bay"), "allows_concurrent_runs": True})
        )
        lab.workcells.append(workcell["accession_id"])
    positions = [{"name": f"rail-{i}"} for i in range(1, 31)]
    deck_definition = await created(
        http.post(
            "/api/v1/decks/types",
            json={"name": "STARlet", "fqn": "pylabrobot.resources.STARLetDeck", "positions": positions},
        )
    )
    lab.deck_definitions.append(deck_definition["accession_id"])
    for workcell_id in lab.workcells:
        machine = await created(
            http.post(
                "/api/v1/machines",
                json={
                    "name": lab.name("STAR"),
                    "fqn": "pylabrobot.liquid_handling.LiquidHandler",
                    "workcell_id": workcell_id,
                },
            )
        )
        lab.machines.append(machine["accession_id"])
        deck = await created(
            http.post(
                "/api/v1/decks",
                json={
                    "name": lab.name("deck"),
                    "machine_id": machine["accession_id"],
                    "deck_definition_id": deck_definition["accession_id"],
                },
            )
        )
        lab.decks.append(deck["accession_id"])
    definition = await created(
        http.post(
            "/api/v1/protocols/definitions",
            json={
                "name": "transfer",
                "fqn": "lab.transfer",
                "version": "1.0",
                "parameters": [{"name": "volume_ul", "optional": False}],
            },
        )
    )
    lab.definitions.append(definition["accession_id"])


Request = Callable[[httpx.AsyncClient, Lab, random.Random], Awaitable[tuple[httpx.Response, set[int]]]]


async def list_decks(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    return await http.get("/api/v1/decks", params={"limit": 50, "machine_id": rng.choice(lab.machines)}), {
        200
    }


async def list_deck_definitions(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    return await http.get("/api/v1/decks/types", params={"limit": 20}), {200}


async def list_runs(http: httpx.AsyncClient, lab: Lab, rng: random.Random) -> tuple[httpx.Response, set[int]]:
    return await http.get("/api/v1/protocols/runs", params={"limit": 50, "order_by": "-created_at"}), {200}


async def get_machine(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    return await http.get(f"/api/v1/machines/{rng.choice(lab.machines)}"), {200}


async def create_workcell(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    return await http.post("/api/v1/workcells", json={"name": lab.name("load-bay")}), {201}


async def rename_machine(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    machine_id = rng.choice(lab.machines)
    # without a version: last writer wins; with the version read just before: 409 if someone was faster
    current = await http.get(f"/api/v1/machines/{machine_id}")
    body = {"description": lab.name("serviced"), "version": current.json()["version"]}
    return await http.patch(f"/api/v1/machines/{machine_id}", json=body), {200, 409}


async def run_protocol(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    created = await http.post(
        "/api/v1/protocols/runs",
        json={
            "protocol_definition_id": lab.definitions[0],
            "workcell_id": rng.choice(lab.workcells),
            "input_parameters": {"volume_ul": 50},
        },
    )
    if created.status_code != 201:
        return created, {201}
    run_id = created.json()["accession_id"]
    lab.runs.append(run_id)
    started = await http.post(f"/api/v1/protocols/runs/{run_id}/start")
    if started.status_code != 200:
        return started, {200}
    await http.post(f"/api/v1/protocols/runs/{run_id}/calls", json={"function_name": "aspirate"})
    return await http.post(f"/api/v1/protocols/runs/{run_id}/complete"), {200}


async def record_output(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    if not lab.runs:
        return await list_runs(http, lab, rng)
    body = {
        "protocol_run_id": rng.choice(lab.runs),
        "name": "absorbance_600nm",
        "numeric_value": rng.random(),
        "unit": "OD",
        "well_name": "A1",
    }
    return await http.post("/api/v1/outputs", json=body), {201}


async def missing_deck(
    http: httpx.AsyncClient, lab: Lab, rng: random.Random
) -> tuple[httpx.Response, set[int]]:
    return await http.get("/api/v1/decks/00000000-0000-7000-8000-000000000000"), {404}


MIX: list[tuple[Request, int]] = [
    (list_decks, 20),
    (list_deck_definitions, 10),
    (list_runs, 10),
    (get_machine, 20),
    (create_workcell, 8),
    (rename_machine, 10),
    (run_protocol, 7),
    (record_output, 10),
    (missing_deck, 5),
]
