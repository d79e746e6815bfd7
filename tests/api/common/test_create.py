"""Creating a row, alike in every collection: slashes, defaults, refusals, taken names, references."""

from __future__ import annotations

import uuid

import httpx

from tests.api.collection_spec import CollectionSpec, Refusal, applied
from tests.api.collection_specs import COLLECTIONS
from tests.api.common.helpers import (
    each,
    each_case,
    refusal_id,
)
from tests.api.helpers import (
    assert_error,
    assert_refused,
    assert_validation_error,
    ids,
    missing_id,
)
from tests.builders import Builders


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


@each()
async def test_create_takes_the_id_the_client_chose(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    """``accession_id`` in a create's body is the new row's id (any UUID); left out, one is made."""
    chosen = uuid.uuid4()

    response = await client.post(spec.url, json={**await spec.body(repos), "accession_id": str(chosen)})
    other = await client.post(spec.url, json=await spec.body(repos))

    assert response.status_code == 201, response.text
    assert response.json()["accession_id"] == str(chosen)
    assert (await client.get(spec.item(chosen))).json()["accession_id"] == str(chosen)
    assert other.status_code == 201 and other.json()["accession_id"] != str(chosen)
    assert uuid.UUID(other.json()["accession_id"]).version == 7
    assert (await spec.of(repos).get(chosen)).accession_id == chosen


@each()
async def test_create_with_a_taken_id_is_409_naming_it_and_writes_nothing(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    existing = await spec.of(repos).create()
    before = await spec.of(repos).count()

    response = await client.post(
        spec.url, json={**await spec.body(repos), "accession_id": str(existing.accession_id)}
    )

    body = assert_error(response, 409, "conflict", entity=spec.entity, field="accession_id")
    assert str(existing.accession_id) in body["detail"]
    assert await spec.of(repos).count() == before


@each()
async def test_create_refuses_an_id_that_is_not_a_uuid(
    spec: CollectionSpec, client: httpx.AsyncClient, repos: Builders
) -> None:
    body = await spec.body(repos)

    for chosen in ("bay-1", 7, "", "01a24b66-447d-700d-8911"):
        assert_validation_error(
            await client.post(spec.url, json={**body, "accession_id": chosen}), "accession_id"
        )
    assert await spec.of(repos).count() == 0
