"""Changing and deleting rows, alike in every collection: PATCH and PUT, versions, deletes."""

from __future__ import annotations

import httpx
import pytest

from tests.api.collection_spec import CollectionSpec, Refusal
from tests.api.collection_specs import COLLECTIONS
from tests.api.common.helpers import (
    METHODS,
    NAMED_APART,
    VERSIONED,
    each,
    each_case,
    read,
    refusal_id,
    refused_patch,
    without_clock,
)
from tests.api.helpers import (
    assert_error,
    assert_not_found,
    assert_refused,
    missing_id,
)
from tests.builders import Builders


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
