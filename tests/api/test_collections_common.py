"""The contract all nine CRUD collections share, checked once over the table in ``collection_specs``.

Every collection is routed by ``crud_router`` and served through ``CrudService``: what they have in
common is one piece of code, so it is tested as one. Each test here runs per collection (or per
collection and case) against the real database, through ``client`` and ``repos``. What a single
collection does on its own (full bodies, moves, positions, the run state machine, value columns,
...) is tested in that collection's file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import httpx
import pytest

from tests.api.collection_spec import CollectionSpec, Refusal, applied
from tests.api.collection_specs import COLLECTIONS
from tests.api.helpers import (
    assert_error,
    assert_not_found,
    assert_refused,
    assert_validation_error,
    ids,
    in_list_order,
    missing_id,
    names,
    total,
)
from tests.builders import Builders

Case = TypeVar("Case")

METHODS = ("PATCH", "PUT")
VERSIONED = [spec for spec in COLLECTIONS if spec.versioned]
NAMED_APART = [spec for spec in COLLECTIONS if spec.unique == ("name",)]


def each(specs: Iterable[CollectionSpec] = COLLECTIONS) -> pytest.MarkDecorator:
    """Run the test once per collection in ``specs``; the test id is the collection's."""
    chosen = list(specs)
    return pytest.mark.parametrize("spec", chosen, ids=[spec.id for spec in chosen])


def each_case(
    argname: str, cases: Iterable[tuple[CollectionSpec, Case]], case_id: Callable[[Case], str] = str
) -> pytest.MarkDecorator:
    """Run the test once per (collection, case) pair; the test id is ``<collection>-<case>``."""
    chosen = list(cases)
    return pytest.mark.parametrize(
        ("spec", argname), chosen, ids=[f"{spec.id}-{case_id(case)}" for spec, case in chosen]
    )


def refusal_id(refusal: Refusal) -> str:
    return refusal.id


async def read(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    """The row at ``url`` as the API shows it (asserting it is there)."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def without_clock(body: dict[str, Any]) -> dict[str, Any]:
    """A row's body but its ``updated_at``, which every write moves."""
    return {key: value for key, value in body.items() if key != "updated_at"}


async def refused_patch(
    spec: CollectionSpec, body: dict[str, Any], client: httpx.AsyncClient, repos: Builders
) -> httpx.Response:
    """PATCH ``body`` onto a new row, which must read the same afterwards; returns the refusal."""
    row = await spec.of(repos).create()
    url = spec.item(row.accession_id)
    before = await read(client, url)

    response = await client.patch(url, json=body)

    assert response.status_code >= 400, response.text
    assert await read(client, url) == before
    return response


# -- create ------------------------------------------------------------------------------------------


@each()
async def test_create_answers_with_and_without_trailing_slash(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    """POST to ``/x`` and ``/x/`` both create (201) directly, neither redirects, and both lists
    show what was made."""
    bodies = [await spec.body(repos), await spec.body(repos)]

    created = []
    for url, body in zip((spec.url, f"{spec.url}/"), bodies, strict=True):
        response = await client.post(url, json=body)
        assert response.status_code == 201, (url, response.text)
        assert "location" not in response.headers
        created.append(response.json()["accession_id"])

    for url in (spec.url, f"{spec.url}/"):
        assert set(created) <= set(ids(await client.get(url)))
    stored = await spec.of(repos).list()
    assert sorted(str(row.accession_id) for row in stored) == sorted(created)
    assert sorted(row.name for row in stored) == sorted(body["name"] for body in bodies)


@each(spec for spec in COLLECTIONS if spec.defaults)
async def test_create_fills_in_defaults(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    """A body of only the required fields gets the defaults of the fields it leaves out."""
    body = await spec.body(repos)

    response = await client.post(spec.url, json={name: body[name] for name in spec.required})

    assert response.status_code == 201, response.text
    created = response.json()
    assert {name: created[name] for name in spec.defaults} == spec.defaults


@each_case("refusal", ((spec, r) for spec in COLLECTIONS for r in spec.create_refusals()), refusal_id)
async def test_create_refuses_invalid_input(
    spec: CollectionSpec, refusal: Refusal, client: httpx.AsyncClient, repos: Builders
) -> None:
    body = applied(await spec.body(repos), refusal.body)

    assert_refused(await client.post(spec.url, json=body), refusal.field, rule=refusal.rule)
    assert await spec.of(repos).count() == 0


@each()
async def test_create_refuses_a_name_no_row_may_have(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    """A name is text of 1 to 255 characters once stripped, without U+0000 (PostgreSQL text cannot
    hold it): each other one is a 422 on ``name`` that reaches nothing."""
    body = await spec.body(repos)

    for name in ("", "   ", 12, "bay\x001"):
        assert_validation_error(await client.post(spec.url, json={**body, "name": name}), "name")
    assert await spec.of(repos).count() == 0


@each()
async def test_create_accepts_a_name_of_exactly_255(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    response = await client.post(spec.url, json={**await spec.body(repos), "name": "x" * 255})

    assert response.status_code == 201, response.text
    assert response.json()["name"] == "x" * 255


@each()
async def test_create_without_a_json_body_is_422(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    response = await client.post(spec.url, content=b"not json", headers={"content-type": "application/json"})

    assert_error(response, 422, "validation_error")
    assert await spec.of(repos).count() == 0


@each(spec for spec in COLLECTIONS if spec.unique)
async def test_create_with_a_taken_identity_is_409(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    """A second row with the values that identify one (a name, or a protocol's fqn and version) is
    a 409 naming those fields, and the first row stays the only one."""
    body = await spec.body(repos)
    existing = await spec.of(repos).create(**{name: body[name] for name in spec.unique})

    response = await client.post(spec.url, json=body)

    assert_error(response, 409, "conflict", entity=spec.entity, field=", ".join(spec.unique))
    assert [row.accession_id for row in await spec.of(repos).list()] == [existing.accession_id]


@each_case("field", ((spec, field) for spec in COLLECTIONS for field in spec.references))
async def test_create_with_an_unknown_reference_is_409(
    spec: CollectionSpec, field: str, client: httpx.AsyncClient, repos: Builders
) -> None:
    body = {**await spec.body(repos), field: missing_id()}

    response = await client.post(spec.url, json=body)

    assert_error(response, 409, "invalid_reference", entity=spec.entity, field=field)
    assert await spec.of(repos).count() == 0


# -- get ---------------------------------------------------------------------------------------------


@each()
async def test_get_unknown_is_404(spec: CollectionSpec, client: httpx.AsyncClient) -> None:
    unknown = missing_id()

    body = assert_not_found(await client.get(spec.item(unknown)), entity=spec.entity)

    assert unknown in body["detail"]


@each()
async def test_get_with_a_malformed_id_is_422(spec: CollectionSpec, client: httpx.AsyncClient) -> None:
    assert_validation_error(await client.get(spec.item("not-a-uuid")), "id")


# -- list --------------------------------------------------------------------------------------------


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


# -- update ------------------------------------------------------------------------------------------


@each()
@pytest.mark.parametrize("method", METHODS)
async def test_update_changes_only_the_fields_sent(
    spec: CollectionSpec, method: str, client: httpx.AsyncClient, repos: Builders
) -> None:
    """PATCH and PUT are both partial: the row comes back as it was but for the fields sent (and its
    version, one up), and is stored so."""
    row = await spec.of(repos).create(**spec.keep)
    url = spec.item(row.accession_id)
    before = await read(client, url)

    response = await client.request(method, url, json=dict(spec.change))

    assert response.status_code == 200, response.text
    expected = {**before, **spec.change}
    if spec.versioned:
        expected["version"] = before["version"] + 1
    assert without_clock(response.json()) == without_clock(expected)
    assert await read(client, url) == response.json()
    stored = await spec.of(repos).get(row.accession_id)
    for name, value in {**spec.keep, **spec.change}.items():
        assert getattr(stored, name) == value, name


@each(VERSIONED)
async def test_update_with_the_current_version_succeeds(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    row = await spec.of(repos).create(**spec.keep)
    url = spec.item(row.accession_id)
    before = await read(client, url)

    for version, method in enumerate(METHODS, start=1):
        response = await client.request(
            method, url, json={"name": f"renamed by {method}", "version": version}
        )

        assert response.status_code == 200, response.text
        expected = {**before, "name": f"renamed by {method}", "version": version + 1}
        assert without_clock(response.json()) == without_clock(expected)
    stored = await spec.of(repos).get(row.accession_id)
    assert (stored.name, stored.version) == ("renamed by PUT", 3)


@each(VERSIONED)
async def test_update_with_a_stale_version_is_409_and_changes_nothing(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    """Someone else's update moved the row to version 2: an update sent with version 1, by PATCH or
    PUT, is a 409 on ``version`` and leaves the row as the other update left it."""
    row = await spec.of(repos).create(**spec.keep)
    url = spec.item(row.accession_id)
    theirs = await client.patch(url, json=dict(spec.change))
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["version"] == 2
    stale = await spec.stale_change(repos)

    for method in METHODS:
        response = await client.request(method, url, json={**stale, "version": 1})

        assert_error(response, 409, "conflict", entity=spec.entity, field="version")
    assert await read(client, url) == theirs.json()
    assert (await spec.of(repos).get(row.accession_id)).version == 2


@each(NAMED_APART)
async def test_update_to_a_taken_name_is_409(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    """Renaming onto another row's name, by PATCH or PUT, is a 409 that changes nothing; the session
    goes on, and a free name is taken afterwards."""
    await spec.of(repos).create(name="taken")
    row = await spec.of(repos).create(name="mine")
    url = spec.item(row.accession_id)
    before = await read(client, url)

    for method in METHODS:
        response = await client.request(method, url, json={"name": "taken"})

        assert_error(response, 409, "conflict", entity=spec.entity, field="name")
    assert await read(client, url) == before
    assert (await spec.of(repos).get(row.accession_id)).name == "mine"
    renamed = await client.patch(url, json={"name": "free"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "free"


@each_case("refusal", ((spec, r) for spec in COLLECTIONS for r in spec.update_refusals()), refusal_id)
async def test_update_refuses_invalid_input(
    spec: CollectionSpec, refusal: Refusal, client: httpx.AsyncClient, repos: Builders
) -> None:
    response = await refused_patch(spec, refusal.body, client, repos)

    assert_refused(response, refusal.field, rule=refusal.rule)


@each_case("field", ((spec, field) for spec in COLLECTIONS for field in spec.movable_references))
async def test_update_to_an_unknown_reference_is_409(
    spec: CollectionSpec, field: str, client: httpx.AsyncClient, repos: Builders
) -> None:
    response = await refused_patch(spec, {field: missing_id()}, client, repos)

    assert_error(response, 409, "invalid_reference", entity=spec.entity, field=field)


@each()
async def test_update_unknown_is_404(spec: CollectionSpec, client: httpx.AsyncClient) -> None:
    for method in METHODS:
        response = await client.request(method, spec.item(missing_id()), json=dict(spec.change))

        assert_not_found(response, entity=spec.entity)


# -- delete ------------------------------------------------------------------------------------------


@each()
async def test_delete_is_204_then_404_and_keeps_the_parents(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    """A delete answers 204 with no body; the row is gone (404 to GET and to a second DELETE), and
    the rows it referred to (its workcell, type, machine, protocol or run) stay."""
    builder = spec.of(repos)
    row = await builder.create()
    parents = [
        (getattr(repos, parent.builder), getattr(row, parent.fk))
        for parent in builder.parents.values()
        if getattr(row, parent.fk) is not None
    ]
    url = spec.item(row.accession_id)

    response = await client.delete(url)

    assert response.status_code == 204
    assert response.content == b""
    assert await builder.get_or_none(row.accession_id) is None
    assert_not_found(await client.get(url), entity=spec.entity)
    assert_not_found(await client.delete(url), entity=spec.entity)
    for parent_builder, parent_id in parents:
        assert await parent_builder.exists(accession_id=parent_id), parent_builder.entity


@each_case("holder", ((spec, holder) for spec in COLLECTIONS for holder in spec.held_by))
async def test_delete_while_referenced_is_409_and_keeps_both(
    spec: CollectionSpec, holder: str, client: httpx.AsyncClient, repos: Builders
) -> None:
    """A row others still refer to (a workcell's machines, a deck type's decks, a protocol's runs,
    ...) is not deleted: a 409 naming what holds it, and both rows stay as they were."""
    row = await spec.of(repos).create()
    holders = getattr(repos, holder)
    [(relation, parent)] = [(name, p) for name, p in holders.parents.items() if p.builder == spec.builder]
    held = await holders.create(**{relation: row})
    url = spec.item(row.accession_id)
    before = await read(client, url)

    response = await client.delete(url)

    assert_error(response, 409, "conflict", entity=spec.entity, field=spec.held_by[holder])
    assert await read(client, url) == before
    assert getattr(await holders.get(held.accession_id), parent.fk) == row.accession_id
