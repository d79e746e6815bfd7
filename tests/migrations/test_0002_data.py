"""0002 with rows in the database: a call that ``succeeded`` is ``completed`` after the upgrade and
``succeeded`` again after the downgrade; labware in a status 0001 lacks falls back to the nearest one
0001 has; nothing else of the rows moves."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from tests.harness.migrator import Migrator

pytestmark = pytest.mark.migration("0002")


async def a_run(migrator: Migrator) -> uuid.UUID:
    """A protocol run as 0001 stores it (its definition first)."""
    [definition] = await migrator.insert(
        "protocol_definition", [{"name": "dilution", "fqn": "lab.dilution", "version": "1.0"}]
    )
    [run] = await migrator.insert(
        "protocol_run",
        [{"name": "run-1", "status": "completed", "protocol_definition_id": definition["accession_id"]}],
    )
    run_id: uuid.UUID = run["accession_id"]
    return run_id


async def labware(migrator: Migrator, *statuses: str) -> list[uuid.UUID]:
    [plate] = await migrator.insert(
        "resource_definition", [{"name": "96 well", "fqn": "pylabrobot.Plate", "category": "plate"}]
    )
    rows = await migrator.insert(
        "resource",
        [
            {"name": f"plate-{n}", "status": status, "resource_definition_id": plate["accession_id"]}
            for n, status in enumerate(statuses)
        ],
    )
    return [row["accession_id"] for row in rows]


def calls(run_id: uuid.UUID, *statuses: str, first: int = 0) -> list[dict[str, object]]:
    """Function calls of the run, numbered from ``first``."""
    return [
        {"protocol_run_id": run_id, "sequence": n, "function_name": f"step_{n}", "status": status}
        for n, status in enumerate(statuses, start=first)
    ]


async def test_upgrade_turns_succeeded_calls_into_completed_ones(migrator: Migrator) -> None:
    run_id = await a_run(migrator)
    stored = await migrator.insert(
        "function_call_log", calls(run_id, "succeeded", "running", "failed", "succeeded")
    )
    plates = await labware(migrator, "available", "in_use", "empty", "discarded")

    await migrator.upgrade("0002")

    after = await migrator.rows("function_call_log", "accession_id", "status", "function_name", "duration_ms")
    assert {row["accession_id"]: row["status"] for row in after} == {
        stored[0]["accession_id"]: "completed",
        stored[1]["accession_id"]: "running",
        stored[2]["accession_id"]: "failed",
        stored[3]["accession_id"]: "completed",
    }
    assert {row["function_name"] for row in after} == {"step_0", "step_1", "step_2", "step_3"}
    assert {row["duration_ms"] for row in after} == {None}  # a new column: nothing invented for old calls
    resources = await migrator.rows("resource", "accession_id", "status", "deck_id")
    assert {row["accession_id"]: (row["status"], row["deck_id"]) for row in resources} == {
        plates[0]: ("available", None),
        plates[1]: ("in_use", None),
        plates[2]: ("empty", None),
        plates[3]: ("discarded", None),
    }


async def test_downgrade_turns_completed_calls_back_into_succeeded_ones(migrator: Migrator) -> None:
    run_id = await a_run(migrator)
    [before] = await migrator.insert("function_call_log", calls(run_id, "succeeded"))
    await migrator.upgrade("0002")
    # rows written at 0002, in the words 0001 lacks
    later = await migrator.insert(
        "function_call_log", calls(run_id, "completed", "running", "failed", first=1)
    )
    plates = await labware(migrator, "depleted", "error", "available", "in_use")

    await migrator.downgrade("0001")

    statuses = {row["accession_id"]: row["status"] for row in await migrator.rows("function_call_log")}
    assert statuses == {
        before["accession_id"]: "succeeded",  # the round trip gives back what 0001 stored
        later[0]["accession_id"]: "succeeded",
        later[1]["accession_id"]: "running",
        later[2]["accession_id"]: "failed",
    }
    resources = {row["accession_id"]: row["status"] for row in await migrator.rows("resource")}
    assert resources == {
        plates[0]: "empty",  # depleted: the nearest word 0001 has
        plates[1]: "available",  # error
        plates[2]: "available",
        plates[3]: "in_use",
    }
    # and 0001's CHECK holds again: its words only
    with pytest.raises(IntegrityError, match="ck_function_call_log_status"):
        await migrator.insert("function_call_log", calls(run_id, "completed", first=4))
