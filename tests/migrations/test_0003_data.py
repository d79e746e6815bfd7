"""0003 with rows in the database: runs and calls keep their statuses through the upgrade (the new
columns empty, a run's ``simulation`` true); on the downgrade, the statuses 0002 lacks fall back to
the nearest it has: queued runs to ``pending``, paused ones to ``running``; pending calls to
``running``, skipped ones to ``completed``, cancelled ones to ``failed``."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from tests.harness.migrator import Migrator

pytestmark = pytest.mark.migration("0003")


async def a_definition(migrator: Migrator) -> uuid.UUID:
    [definition] = await migrator.insert(
        "protocol_definition", [{"name": "dilution", "fqn": "lab.dilution", "version": "1.0"}]
    )
    definition_id: uuid.UUID = definition["accession_id"]
    return definition_id


async def runs(migrator: Migrator, definition_id: uuid.UUID, *statuses: str) -> list[uuid.UUID]:
    rows = await migrator.insert(
        "protocol_run",
        [
            {"name": f"run-{status}", "status": status, "protocol_definition_id": definition_id}
            for status in statuses
        ],
    )
    return [row["accession_id"] for row in rows]


async def calls(migrator: Migrator, run_id: uuid.UUID, *statuses: str) -> list[uuid.UUID]:
    rows = await migrator.insert(
        "function_call_log",
        [
            {"protocol_run_id": run_id, "sequence": n, "function_name": f"step_{n}", "status": status}
            for n, status in enumerate(statuses)
        ],
    )
    return [row["accession_id"] for row in rows]


async def statuses(migrator: Migrator, table: str) -> dict[uuid.UUID, str]:
    return {
        row["accession_id"]: row["status"] for row in await migrator.rows(table, "accession_id", "status")
    }


async def test_upgrade_keeps_every_status_and_fills_nothing_in(migrator: Migrator) -> None:
    words = ("pending", "running", "completed", "failed", "cancelled")
    run_ids = await runs(migrator, await a_definition(migrator), *words)
    call_ids = await calls(migrator, run_ids[1], "running", "completed", "failed")

    await migrator.upgrade("0003")

    assert await statuses(migrator, "protocol_run") == dict(zip(run_ids, words, strict=True))
    assert await statuses(migrator, "function_call_log") == dict(
        zip(call_ids, ["running", "completed", "failed"], strict=True)
    )
    new_columns = ("status_details", "control_request", "time_limit_seconds", "queued_at", "simulation")
    assert {tuple(row.values()) for row in await migrator.rows("protocol_run", *new_columns)} == {
        (None, None, None, None, True)  # runs stored before 0003 were simulations: no real machines yet
    }
    assert {row["fqn"] for row in await migrator.rows("function_call_log", "fqn")} == {None}


async def test_downgrade_maps_the_statuses_0002_lacks_to_the_nearest_it_has(migrator: Migrator) -> None:
    definition_id = await a_definition(migrator)
    await migrator.upgrade("0003")
    run_ids = await runs(migrator, definition_id, "queued", "paused", "pending", "running", "completed")
    call_ids = await calls(
        migrator, run_ids[1], "pending", "skipped", "cancelled", "running", "completed", "failed"
    )
    await migrator.insert(
        "asset_reservation",
        [{"asset_id": uuid.uuid4(), "asset_kind": "machine", "protocol_run_id": run_ids[3]}],
    )

    await migrator.downgrade("0002")

    assert await statuses(migrator, "protocol_run") == dict(
        zip(run_ids, ["pending", "running", "pending", "running", "completed"], strict=True)
    )
    assert await statuses(migrator, "function_call_log") == dict(
        zip(call_ids, ["running", "completed", "failed", "running", "completed", "failed"], strict=True)
    )
    # 0002's CHECKs hold again: its words only
    with pytest.raises(IntegrityError, match="ck_protocol_run_status"):
        await runs(migrator, definition_id, "queued")
