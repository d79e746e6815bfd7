"""Checks the endpoint tests share: the one error shape, and reading ids, names and totals of lists.

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


def assert_rule_violation(response: httpx.Response, field: str) -> dict[str, Any]:
    """A 409 for a body that matches the OpenAPI document but breaks a rule it cannot state (names
    distinct within a list, an end after its start), naming ``field``."""
    return assert_error(response, 409, "invalid_value", field=field)


def assert_refused(response: httpx.Response, field: str, *, rule: bool) -> dict[str, Any]:
    return assert_rule_violation(response, field) if rule else assert_validation_error(response, field)


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
