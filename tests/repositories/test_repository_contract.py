"""The method surface every repository shares, checked for every aggregate on the real database.

The method under test is always called on the real repository (the ``repositories`` fixture, what services
use); the builders only prepare data.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from praxis.backend.db.base import Entity, Versioned
from praxis.backend.errors import InvalidValueError, NotFoundError
from praxis.backend.repositories import Repositories
from tests.builders import AGGREGATES, Builders

# a plain text field of each aggregate, for update and filters
TEXT_FIELD = {name: "name" for name in AGGREGATES} | {
    "data_output": "unit",
    "function_call_log": "function_name",
}


@pytest.fixture(params=AGGREGATES)
def aggregate(request: pytest.FixtureRequest) -> str:
    return request.param


async def test_create_then_get_returns_the_stored_row(
    aggregate: str, repos: Builders, repositories: Repositories
) -> None:
    created = await getattr(repos, aggregate).create()
    repository = getattr(repositories, aggregate)

    fetched = await repository.get(created.accession_id)

    assert fetched.accession_id == created.accession_id
    assert fetched.created_at is not None and fetched.updated_at is not None
    assert await repository.get_or_none(created.accession_id) is fetched


async def test_get_of_a_missing_id_raises_not_found_naming_the_entity(
    aggregate: str, repositories: Repositories
) -> None:
    repository = getattr(repositories, aggregate)
    missing = uuid.uuid4()

    assert await repository.get_or_none(missing) is None
    with pytest.raises(NotFoundError) as raised:
        await repository.get(missing)
    assert raised.value.entity == repository.entity
    assert str(missing) in raised.value.message


async def test_get_by_count_and_exists_use_the_filters(
    aggregate: str, repos: Builders, repositories: Repositories
) -> None:
    rows = await getattr(repos, aggregate).create_batch(3)
    repository = getattr(repositories, aggregate)
    field = TEXT_FIELD[aggregate]
    target = rows[1]

    assert await repository.count() == 3
    assert await repository.count(accession_id__in=[r.accession_id for r in rows[:2]]) == 2
    assert await repository.exists(accession_id=target.accession_id)
    assert not await repository.exists(accession_id=uuid.uuid4())
    found = await repository.get_by(accession_id=target.accession_id, **{field: getattr(target, field)})
    assert found is not None and found.accession_id == target.accession_id
    assert await repository.get_by(accession_id=uuid.uuid4()) is None


async def test_list_orders_and_pages(aggregate: str, repos: Builders, repositories: Repositories) -> None:
    rows = await getattr(repos, aggregate).create_batch(5)
    repository = getattr(repositories, aggregate)
    ids = sorted(row.accession_id for row in rows)  # UUIDv7: creation order

    assert [r.accession_id for r in await repository.list(order_by="accession_id")] == ids
    assert [r.accession_id for r in await repository.list(order_by="-accession_id")] == ids[::-1]
    page = await repository.list(order_by="accession_id", limit=2, offset=1)
    assert [r.accession_id for r in page] == ids[1:3]
    only = await repository.list({"accession_id": ids[4]})
    assert [r.accession_id for r in only] == [ids[4]]


async def test_create_many_inserts_every_row_in_one_statement(
    aggregate: str, repos: Builders, repositories: Repositories, count_queries: Any
) -> None:
    template = await getattr(repos, aggregate).create()  # parents to share
    builder = getattr(repos, aggregate)
    columns = {c.key for c in template.__table__.c} - {"accession_id", "created_at", "updated_at", "version"}
    rows = []
    for _ in range(4):
        fresh = builder.defaults()
        row = {key: getattr(template, key) for key in columns}
        row.update({k: v for k, v in fresh.items() if k in columns})
        row.pop("sequence", None)  # a call's number in its run: the builder numbers it, as the run does
        rows.append(builder.consistent(row, {}))

    with count_queries() as queries:
        created = await getattr(repositories, aggregate).create_many(rows)

    assert queries.kinds() == ["SAVEPOINT", "INSERT", "RELEASE"]
    assert len({row.accession_id for row in created}) == 4
    assert await getattr(repositories, aggregate).count() == 5


async def test_update_changes_the_field_and_the_timestamp(
    aggregate: str, repos: Builders, repositories: Repositories
) -> None:
    created: Entity = await getattr(repos, aggregate).create()
    repository = getattr(repositories, aggregate)
    field = TEXT_FIELD[aggregate]
    before_updated_at = created.updated_at
    before_version = created.version if isinstance(created, Versioned) else 0

    updated = await repository.update(created.accession_id, **{field: "renamed"})

    assert getattr(updated, field) == "renamed"
    assert updated.updated_at > before_updated_at
    if isinstance(created, Versioned):
        assert updated.version == before_version + 1
    assert getattr(await repository.get(created.accession_id), field) == "renamed"


async def test_delete_removes_the_row_and_a_second_delete_is_not_found(
    aggregate: str, repos: Builders, repositories: Repositories
) -> None:
    created = await getattr(repos, aggregate).create()
    repository = getattr(repositories, aggregate)

    await repository.delete(created.accession_id)

    assert await repository.get_or_none(created.accession_id) is None
    with pytest.raises(NotFoundError):
        await repository.delete(created.accession_id)


async def test_unknown_field_names_are_refused_with_the_field(
    aggregate: str, repositories: Repositories
) -> None:
    repository = getattr(repositories, aggregate)
    with pytest.raises(InvalidValueError) as on_create:
        await repository.create(colour="red")
    assert on_create.value.field == "colour"
    with pytest.raises(InvalidValueError) as on_filter:
        await repository.list({"colour": "red"})
    assert on_filter.value.field == "colour"
    with pytest.raises(InvalidValueError) as on_order:
        await repository.list(order_by="-colour")
    assert on_order.value.field == "colour"
    with pytest.raises(InvalidValueError):
        await repository.create_many([{"colour": "red"}])
