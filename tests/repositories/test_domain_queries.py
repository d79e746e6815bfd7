"""The aggregate-specific queries services rely on."""

from __future__ import annotations

from typing import Any

from praxis.backend.models.orm import CallStatus, ResourceCategory, RunStatus
from praxis.backend.repositories import Repositories
from tests.builders import Builders


async def test_machines_and_resources_of_a_workcell(repos: Builders, repositories: Repositories) -> None:
    bay = await repos.workcell.create()
    mine = await repos.machine.create_batch(2, workcell=bay)
    await repos.machine.create()  # elsewhere
    plates = await repos.resource.create_batch(3, workcell=bay)
    await repos.resource.create()

    assert {m.accession_id for m in await repositories.machine.list_in_workcell(bay.accession_id)} == {
        m.accession_id for m in mine
    }
    assert {r.accession_id for r in await repositories.resource.list_in_workcell(bay.accession_id)} == {
        r.accession_id for r in plates
    }


async def test_resources_on_a_parent_in_position_order(repos: Builders, repositories: Repositories) -> None:
    carrier = await repos.resource.create(resource_definition__category=ResourceCategory.CARRIER)
    second = await repos.resource.create(parent=carrier, position_name="B")
    first = await repos.resource.create(parent=carrier, position_name="A")
    await repos.resource.create()

    on_carrier = await repositories.resource.list_on_parent(carrier.accession_id)

    assert [r.accession_id for r in on_carrier] == [first.accession_id, second.accession_id]


async def test_decks_of_a_machine(repos: Builders, repositories: Repositories) -> None:
    machine = await repos.machine.create()
    decks = await repos.deck.create_batch(2, machine=machine)
    await repos.deck.create()

    assert {d.accession_id for d in await repositories.deck.list_for_machine(machine.accession_id)} == {
        d.accession_id for d in decks
    }
    assert await repositories.deck.machine_has_decks(machine.accession_id)
    assert not await repositories.deck.machine_has_decks((await repos.machine.create()).accession_id)


async def test_deck_definition_positions_are_created_replaced_and_read_back(
    repositories: Repositories,
) -> None:
    definition = await repositories.deck_definition.create_with_positions(
        [{"name": "A", "x_mm": 1.0, "allowed_resource_categories": ["plate", "tip_rack"]}, {"name": "B"}],
        name="OT-2 deck",
        fqn="pylabrobot.resources.opentrons.OTDeck",
    )
    assert [p.name for p in definition.positions] == ["A", "B"]

    await repositories.deck_definition.replace_positions(definition, [{"name": "B"}, {"name": "C"}])
    repositories.session.expunge_all()  # read from the database, not the identity map

    stored = await repositories.deck_definition.get(definition.accession_id)
    assert [p.name for p in stored.positions] == ["B", "C"]
    assert await repositories.deck_definition.count() == 1


async def test_deck_definition_reads_load_positions_in_constant_queries(
    repos: Builders, repositories: Repositories, count_queries: Any
) -> None:
    await repos.deck_definition.create_batch(2)
    with count_queries() as few:
        small = await repositories.deck_definition.list()
    await repos.deck_definition.create_batch(60, positions=[{"name": f"slot-{i}"} for i in range(10)])
    with count_queries() as many:
        large = await repositories.deck_definition.list()

    assert len(small) == 2 and len(large) == 62
    assert sum(len(d.positions) for d in large) == 2 * 2 + 60 * 10
    assert few.count == many.count == 2  # the definitions, then every position in one SELECT ... IN


async def test_protocol_definition_upsert_inserts_then_updates_only_on_change(
    repositories: Repositories,
) -> None:
    values = {"name": "serial_dilution", "fqn": "lab.serial_dilution", "version": "1.0", "source_hash": "aa"}
    first = await repositories.protocol_definition.upsert(**values)
    unchanged = await repositories.protocol_definition.upsert(**values)
    assert unchanged.accession_id == first.accession_id
    assert unchanged.updated_at == first.updated_at

    changed = await repositories.protocol_definition.upsert(**{**values, "source_hash": "bb"})
    assert changed.accession_id == first.accession_id
    assert changed.source_hash == "bb"
    assert changed.updated_at > first.created_at
    assert await repositories.protocol_definition.count() == 1

    other_version = await repositories.protocol_definition.upsert(**{**values, "version": "2.0"})
    assert other_version.accession_id != first.accession_id
    newest = await repositories.protocol_definition.get_by_fqn("lab.serial_dilution")
    older = await repositories.protocol_definition.get_by_fqn("lab.serial_dilution", "1.0")
    assert newest is not None and newest.version == "2.0"
    assert older is not None and older.source_hash == "bb"


async def test_runs_by_status_and_the_active_run_of_a_workcell(
    repos: Builders, repositories: Repositories
) -> None:
    bay = await repos.workcell.create()
    running = await repos.protocol_run.create(status=RunStatus.RUNNING, workcell=bay)
    done = await repos.protocol_run.create(status=RunStatus.COMPLETED, workcell=bay)
    await repos.protocol_run.create()

    assert [r.accession_id for r in await repositories.protocol_run.list_by_status(RunStatus.RUNNING)] == [
        running.accession_id
    ]
    finished = await repositories.protocol_run.list_by_status(RunStatus.COMPLETED, RunStatus.FAILED)
    assert [r.accession_id for r in finished] == [done.accession_id]
    assert await repositories.protocol_run.active_on_workcell(bay.accession_id)
    assert not await repositories.protocol_run.active_on_workcell(
        bay.accession_id, exclude=running.accession_id
    )


async def test_function_calls_are_numbered_in_order_and_read_with_the_run(
    repos: Builders, repositories: Repositories, count_queries: Any
) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    first = await repositories.protocol_run.append_call(
        run, function_name="aspirate", arguments={"volume": 50}
    )
    second = await repositories.protocol_run.append_call(
        run, function_name="dispense", status=CallStatus.COMPLETED
    )

    assert (first.sequence, second.sequence) == (1, 2)
    assert [c.function_name for c in await repositories.protocol_run.calls_of(run.accession_id)] == [
        "aspirate",
        "dispense",
    ]
    with count_queries() as queries:
        stored = await repositories.protocol_run.get(run.accession_id)
    assert [c.sequence for c in stored.function_calls] == [1, 2]
    assert queries.count == 2


async def test_run_list_loads_call_logs_in_constant_queries(
    repos: Builders, repositories: Repositories, count_queries: Any
) -> None:
    runs = await repos.protocol_run.create_batch(30, status=RunStatus.RUNNING)
    for run in runs[:10]:
        await repositories.protocol_run.append_call(run, function_name="aspirate")
    with count_queries() as queries:
        listed = await repositories.protocol_run.list(limit=100)
    assert len(listed) == 30
    assert sum(len(r.function_calls) for r in listed) == 10
    assert queries.count == 2


async def test_outputs_of_a_run(repos: Builders, repositories: Repositories) -> None:
    run = await repos.protocol_run.create(status=RunStatus.COMPLETED)
    outputs = await repos.data_output.create_batch(5, protocol_run=run)
    await repos.data_output.create()

    listed = await repositories.data_output.list_for_run(run.accession_id)
    assert {o.accession_id for o in listed} == {o.accession_id for o in outputs}
    assert len(await repositories.data_output.list_for_run(run.accession_id, limit=2, offset=4)) == 1


async def test_a_new_row_reads_its_empty_collections_without_a_query(
    repos: Builders, repositories: Repositories, count_queries: Any
) -> None:
    definition = await repos.protocol_definition.create()
    run = await repositories.protocol_run.create(name="fresh", protocol_definition_id=definition.accession_id)
    deck_definition = await repositories.deck_definition.create(name="bare", fqn="pylabrobot.resources.Deck")
    with count_queries() as queries:
        assert (run.function_calls, deck_definition.positions) == ([], [])
    assert queries.count == 0


async def test_a_call_belongs_to_its_own_run_only(repos: Builders, repositories: Repositories) -> None:
    first, second = await repos.protocol_run.create_batch(2, status=RunStatus.RUNNING)
    call = await repositories.protocol_run.append_call(first, function_name="aspirate")

    assert await repositories.protocol_run.has_call(first.accession_id, call.accession_id)
    assert not await repositories.protocol_run.has_call(second.accession_id, call.accession_id)
