"""What the tests of the contract every CRUD collection shares have in common: parametrising over the
table (``each``, ``each_case``), and a few reads and requests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import httpx
import pytest

from tests.api.collection_spec import CollectionSpec, Refusal
from tests.api.collection_specs import COLLECTIONS
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
