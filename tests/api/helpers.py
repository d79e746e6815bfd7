"""Checks the endpoint tests share: the one error shape, and the paging contract of every list.

Every error the API gives has the body ``{detail, code, entity?, field?, errors?}``; a client
branches on ``code`` and points at ``field``, so the tests check both, not only the status.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

ERROR_KEYS = {"detail", "code", "entity", "field", "errors"}
API = "/api/v1"


def assert_error(
    response: httpx.Response,
    status: int,
    code: str,
    *,
    field: str | None = None,
    entity: str | None = None,
) -> dict[str, Any]:
    """The response is an error of ``status`` with the documented body; returns that body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) <= ERROR_KEYS, body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert body["code"] == code, body
    if field is not None:
        assert body.get("field") == field, body
    if entity is not None:
        assert body.get("entity") == entity, body
    return body


def assert_validation_error(response: httpx.Response, field: str) -> dict[str, Any]:
    """A 422 from request validation that names ``field`` (dotted path inside body or query)."""
    body = assert_error(response, 422, "validation_error")
    named = {".".join(str(part) for part in error["loc"][1:]) for error in body["errors"]}
    assert field in named or body.get("field") == field, body
    return body


def assert_not_found(response: httpx.Response, entity: str | None = None) -> dict[str, Any]:
    return assert_error(response, 404, "not_found", entity=entity)


def names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()]


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["accession_id"] for item in response.json()]


def total(response: httpx.Response) -> int:
    return int(response.headers["X-Total-Count"])


def in_list_order(rows: list[Any]) -> list[str]:
    """The ids of stored rows in the default list order: ``created_at``, ties broken by id."""
    return [str(row.accession_id) for row in sorted(rows, key=lambda r: (r.created_at, r.accession_id))]


def missing_id() -> str:
    """An id no row has: UUIDs are random, and every test starts on an empty database."""
    return str(uuid.uuid4())


async def check_create_at_both_paths(
    client: httpx.AsyncClient, collection: str, bodies: tuple[dict[str, Any], dict[str, Any]]
) -> list[dict[str, Any]]:
    """POST to ``/x`` and ``/x/``: both create (201) directly, neither redirects."""
    created = []
    for path, body in zip((f"{API}/{collection}", f"{API}/{collection}/"), bodies, strict=True):
        response = await client.post(path, json=body)
        assert response.status_code == 201, (path, response.text)
        assert "location" not in response.headers
        created.append(response.json())
    for path in (f"{API}/{collection}", f"{API}/{collection}/"):
        listed = await client.get(path)
        assert listed.status_code == 200, (path, listed.text)
        assert {item["accession_id"] for item in created} <= set(ids(listed))
    return created


async def check_paging(client: httpx.AsyncClient, collection: str, expected_ids: list[str]) -> None:
    """``limit``/``offset`` slice the list in its order; ``X-Total-Count`` counts every match.

    ``expected_ids`` is the whole collection in ``created_at`` order (the default ordering).
    """
    url = f"{API}/{collection}"
    everything = await client.get(url, params={"limit": 500})
    assert ids(everything) == expected_ids
    assert total(everything) == len(expected_ids)

    first = await client.get(url, params={"limit": 2})
    second = await client.get(url, params={"limit": 2, "offset": 2})
    past_end = await client.get(url, params={"limit": 2, "offset": len(expected_ids)})

    assert ids(first) == expected_ids[:2]
    assert ids(second) == expected_ids[2:4]
    assert ids(past_end) == []
    assert total(first) == total(second) == total(past_end) == len(expected_ids)


async def check_list_contract(client: httpx.AsyncClient, collection: str) -> None:
    """What every list refuses: an unknown order_by, a limit over 500, a negative offset, a stray
    query parameter; each is a 422 naming the parameter."""
    url = f"{API}/{collection}"
    assert_error(await client.get(url, params={"order_by": "colour"}), 422, "invalid_value", field="order_by")
    assert_error(
        await client.get(url, params={"order_by": "-colour"}), 422, "invalid_value", field="order_by"
    )
    assert_validation_error(await client.get(url, params={"limit": 501}), "limit")
    assert_validation_error(await client.get(url, params={"limit": 0}), "limit")
    assert_validation_error(await client.get(url, params={"offset": -1}), "offset")
    assert_validation_error(await client.get(url, params={"colour": "red"}), "colour")
    assert (await client.get(url, params={"limit": 500})).status_code == 200
