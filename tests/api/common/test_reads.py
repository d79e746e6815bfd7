"""Reading rows, alike in every collection: get, and list with paging, ordering and filters."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.collection_spec import CollectionSpec
from tests.api.collection_specs import COLLECTIONS
from tests.api.common.helpers import (
    each,
    each_case,
)
from tests.api.helpers import (
    assert_not_found,
    assert_validation_error,
    ids,
    in_list_order,
    missing_id,
    names,
    total,
)
from tests.builders import Builders


@each()
async def test_get_unknown_is_404(spec: CollectionSpec, client: httpx.AsyncClient) -> None:
    unknown = missing_id()

    body = assert_not_found(await client.get(spec.item(unknown)), entity=spec.entity)

    assert unknown in body["detail"]


@each()
async def test_get_with_a_malformed_id_is_422(spec: CollectionSpec, client: httpx.AsyncClient) -> None:
    assert_validation_error(await client.get(spec.item("not-a-uuid")), "id")


@each()
async def test_list_pages_with_limit_and_offset(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    """``limit``/``offset`` slice the list in its default order (``created_at``); ``X-Total-Count``
    counts every match, on every page."""
    expected = in_list_order(await spec.of(repos).create_batch(5))

    everything = await client.get(spec.url, params={"limit": 500})
    first = await client.get(spec.url, params={"limit": 2})
    second = await client.get(spec.url, params={"limit": 2, "offset": 2})
    past_end = await client.get(spec.url, params={"limit": 2, "offset": 5})

    assert ids(everything) == expected
    assert ids(first) == expected[:2]
    assert ids(second) == expected[2:4]
    assert ids(past_end) == []
    assert total(everything) == total(first) == total(second) == total(past_end) == 5


@pytest.mark.parametrize(
    ("spec", "field", "ascending"),
    [
        (spec, field, ascending)
        for spec in COLLECTIONS
        for field, ascending in {"name": ("a", "b", "c"), **spec.orderings}.items()
    ],
    ids=[f"{spec.id}-{field}" for spec in COLLECTIONS for field in ("name", *spec.orderings)],
)
async def test_list_orders_by_a_field_both_ways(
    spec: CollectionSpec,
    field: str,
    ascending: tuple[Any, Any, Any],
    client: httpx.AsyncClient,
    repos: Builders,
) -> None:
    """Rows made with the 2nd, 3rd and 1st of three ascending values come back sorted by that field
    with ``order_by=<field>``, reversed with ``-<field>``; ``created_at`` keeps the making order."""
    second, third, first = [
        str((await spec.of(repos).create(**{field: value})).accession_id)
        for value in (ascending[1], ascending[2], ascending[0])
    ]

    async def listed(order_by: str) -> list[str]:
        return ids(await client.get(spec.url, params={"order_by": order_by}))

    assert await listed(field) == [first, second, third]
    assert await listed(f"-{field}") == [third, second, first]
    assert await listed("created_at") == [second, third, first]
    assert await listed("-created_at") == [first, third, second]


@each()
async def test_list_refuses_bad_paging_and_ordering(spec: CollectionSpec, client: httpx.AsyncClient) -> None:
    """An unknown order_by (either way), a limit over 500 or under 1, a negative offset and a stray
    query parameter are each a 422 naming the parameter; a limit of 500 is fine."""
    url = spec.url
    for order_by in ("colour", "-colour"):
        assert_validation_error(await client.get(url, params={"order_by": order_by}), "order_by")
    assert_validation_error(await client.get(url, params={"limit": 501}), "limit")
    assert_validation_error(await client.get(url, params={"limit": 0}), "limit")
    assert_validation_error(await client.get(url, params={"offset": -1}), "offset")
    assert_validation_error(await client.get(url, params={"colour": "red"}), "colour")
    assert (await client.get(url, params={"limit": 500})).status_code == 200


@each()
async def test_list_filters_by_a_part_of_the_name_in_any_case(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    """``name`` matches a part of the name in any case, and takes ``_`` and ``%`` literally (they are
    not SQL wildcards to a client)."""
    for name in ("Hamilton bay", "hamilton-2", "Opentrons", "bay_1", "bay-1"):
        await spec.of(repos).create(name=name)

    matching = await client.get(spec.url, params={"name": "HAMILTON", "order_by": "name"})

    assert names(matching) == ["Hamilton bay", "hamilton-2"]
    assert total(matching) == 2
    assert names(await client.get(spec.url, params={"name": "_"})) == ["bay_1"]
    assert names(await client.get(spec.url, params={"name": "%"})) == []


@each()
async def test_list_refuses_a_malformed_filter(spec: CollectionSpec, client: httpx.AsyncClient) -> None:
    """A name with U+0000, an id filter that is not a UUID and an enum filter outside the enum are
    each a 422 naming the filter, never a query the database refuses."""
    assert_validation_error(await client.get(spec.url, params={"name": "bay\x00"}), "name")
    for field in spec.id_filters:
        assert_validation_error(await client.get(spec.url, params={field: "bay-1"}), field)
    for field in spec.enum_filters:
        assert_validation_error(await client.get(spec.url, params={field: "exploded"}), field)


@each_case("field", ((spec, field) for spec in COLLECTIONS for field in spec.id_filters))
async def test_list_by_an_id_no_row_has_is_empty(
    spec: CollectionSpec, field: str, client: httpx.AsyncClient, repos: Builders
) -> None:
    await spec.of(repos).create()

    response = await client.get(spec.url, params={field: missing_id()})

    assert ids(response) == []
    assert total(response) == 0
    assert total(await client.get(spec.url)) == 1


@pytest.mark.parametrize(
    ("spec", "parent"),
    [
        (spec, parent)
        for spec in COLLECTIONS
        for parent in COLLECTIONS
        if spec.path.startswith(f"{parent.path}/")
    ],
    ids=lambda spec: spec.id,
)
async def test_a_collection_under_another_is_not_taken_for_an_id_of_it(
    spec: CollectionSpec, parent: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    """``/resources/definitions`` and ``/decks/types`` list labware and deck types, although
    ``/resources/{id}`` and ``/decks/{id}`` could match them: a row of the outer collection (which
    makes one of the inner) leaves exactly that one in the inner list."""
    await parent.of(repos).create()
    inner = [str(row.accession_id) for row in await spec.of(repos).list()]

    response = await client.get(spec.url)

    assert len(inner) == 1
    assert ids(response) == inner
