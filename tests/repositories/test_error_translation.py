"""Database errors become the project's exceptions, and the session goes on working afterwards."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.errors import ConflictError, InvalidReferenceError, InvalidValueError
from praxis.backend.models.orm import DataType, WorkcellOrm
from praxis.backend.repositories import Repositories
from tests.builders import Builders


async def test_duplicate_name_is_a_conflict_and_the_session_stays_usable(repositories: Repositories) -> None:
    kept = await repositories.workcell.create(name="bay-1")

    with pytest.raises(ConflictError) as raised:
        await repositories.workcell.create(name="bay-1")

    assert (raised.value.entity, raised.value.field) == ("workcell", "name")
    assert "bay-1" in raised.value.message
    assert await repositories.workcell.create(name="bay-2")
    assert {w.name for w in await repositories.workcell.list()} == {"bay-1", "bay-2"}
    assert (await repositories.workcell.get(kept.accession_id)).name == "bay-1"


async def test_a_taken_id_is_a_conflict_naming_accession_id(repositories: Repositories) -> None:
    """The primary key's refusal (what a create racing another with the same chosen id meets)."""
    taken = uuid.uuid4()
    await repositories.workcell.insert_rows([{"accession_id": taken, "name": "bay-1"}])

    with pytest.raises(ConflictError) as raised:
        await repositories.workcell.create(accession_id=taken, name="bay-2")

    assert (raised.value.entity, raised.value.field) == ("workcell", "accession_id")
    assert str(taken) in raised.value.message
    assert await repositories.workcell.count() == 1


async def test_duplicate_fqn_and_version_is_a_conflict_on_both_fields(
    repos: Builders, repositories: Repositories
) -> None:
    first = await repos.protocol_definition.create()
    with pytest.raises(ConflictError) as raised:
        await repositories.protocol_definition.create(name="again", fqn=first.fqn, version=first.version)
    assert raised.value.field == "fqn, version"


async def test_duplicate_in_create_many_is_a_conflict_and_nothing_is_inserted(
    repos: Builders, repositories: Repositories
) -> None:
    await repos.workcell.create(name="taken")
    with pytest.raises(ConflictError):
        await repositories.workcell.create_many([{"name": "free"}, {"name": "taken"}])
    assert await repositories.workcell.count() == 1


async def test_reference_to_a_missing_parent_is_a_reference_error(
    repos: Builders, repositories: Repositories
) -> None:
    machine = await repos.machine.create()
    with pytest.raises(InvalidReferenceError) as raised:
        await repositories.deck.create(
            name="deck", parent_machine_id=machine.accession_id, deck_definition_id=uuid.uuid4()
        )
    assert (raised.value.entity, raised.value.field) == ("deck", "deck_definition_id")
    assert "deck_definition" in raised.value.message
    assert await repositories.deck.count() == 0
    assert await repositories.machine.exists(accession_id=machine.accession_id)


async def test_deleting_a_referenced_row_is_a_conflict_and_keeps_it(
    repos: Builders, repositories: Repositories
) -> None:
    deck = await repos.deck.create()

    with pytest.raises(ConflictError) as raised:
        await repositories.machine.delete(deck.parent_machine_id)

    assert raised.value.entity == "machine"
    assert raised.value.field == "deck.machine_id"  # the API's name for the column, as clients see it
    assert await repositories.machine.exists(accession_id=deck.parent_machine_id)
    assert await repositories.deck.exists(accession_id=deck.accession_id)


async def test_missing_required_value_is_a_validation_error(repositories: Repositories) -> None:
    with pytest.raises(InvalidValueError) as raised:
        await repositories.workcell.create(name=None)
    assert (raised.value.entity, raised.value.field) == ("workcell", "name")
    assert await repositories.workcell.create(name="fine")


async def test_check_constraint_is_a_validation_error(repos: Builders, repositories: Repositories) -> None:
    run = await repos.protocol_run.create()
    with pytest.raises(InvalidValueError) as raised:
        await repositories.data_output.create(
            name="od", protocol_run_id=run.accession_id, data_type=DataType.NUMERIC, numeric_value=None
        )
    assert raised.value.entity == "function_data_output"
    assert raised.value.field == "value_matches_data_type"
    assert await repositories.data_output.count() == 0


async def test_too_long_value_is_a_validation_error(repositories: Repositories) -> None:
    with pytest.raises(InvalidValueError) as raised:
        await repositories.workcell.create(name="x" * 300)
    assert raised.value.entity == "workcell"
    assert await repositories.workcell.count() == 0


async def test_stale_expected_version_is_a_conflict_and_changes_nothing(
    repos: Builders, repositories: Repositories
) -> None:
    workcell = await repos.workcell.create(name="before")
    with pytest.raises(ConflictError) as raised:
        await repositories.workcell.update(
            workcell.accession_id, expected_version=workcell.version + 1, name="after"
        )
    assert raised.value.field == "version"
    assert (await repositories.workcell.get(workcell.accession_id)).name == "before"


async def test_row_changed_underneath_is_a_conflict(
    repos: Builders, repositories: Repositories, db_session: AsyncSession
) -> None:
    workcell = await repos.workcell.create(name="mine")
    # another writer bumps the version after we loaded the row
    await db_session.execute(
        update(WorkcellOrm)
        .where(WorkcellOrm.accession_id == workcell.accession_id)
        .values(version=WorkcellOrm.version + 1)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(ConflictError) as raised:
        await repositories.workcell.update(workcell, name="theirs")
    assert raised.value.field == "version"


async def test_an_object_whose_update_was_refused_stays_readable(
    repos: Builders, repositories: Repositories
) -> None:
    await repos.workcell.create(name="taken")
    mine = await repos.workcell.create(name="mine")

    with pytest.raises(ConflictError):
        await repositories.workcell.update(mine, name="taken")

    # reloaded from the database: the refused change is gone and nothing needs a lazy load
    assert (mine.name, mine.version) == ("mine", 1)
    assert (await repositories.workcell.update(mine, name="free")).name == "free"
