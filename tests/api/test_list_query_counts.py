"""List reads send the same statements however many rows the table holds.

Every item of a list carries its children: a deck type its positions, a run its function call logs.
Loaded item by item they would cost one statement more per item on the page (the N+1 pattern: 101
statements for a page of 100); the repositories load them with ``selectinload``, one statement for
the whole page. Each test reads the same list at 10 rows and again at 200 (a full page of 100) and
pins what a read sends: the request's SAVEPOINT, its API token's read, the page, its children, the
total for ``X-Total-Count``, the RELEASE. ``python -m bench --only lists`` measures the same at 1,000 rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.api.helpers import API, total
from tests.builders import Builders

PAGE = 100
STATEMENTS = ["SAVEPOINT", "SELECT", "SELECT", "SELECT", "SELECT", "RELEASE"]
CALLS = ["aspirate", "dispense"]

AddRows = Callable[[Builders, int], Awaitable[None]]


async def add_deck_definitions(repos: Builders, n: int) -> None:
    """``n`` deck types, each with the builder's two positions, rail-1 and rail-2."""
    await repos.deck_definition.create_batch(n)


async def add_runs(repos: Builders, n: int) -> None:
    """``n`` runs, each with a call log per name in ``CALLS``."""
    for run in await repos.protocol_run.create_batch(n):
        for function_name in CALLS:
            await repos.protocol_run.repository.append_call(run, function_name=function_name)


LISTS = [
    pytest.param(f"{API}/decks/types", add_deck_definitions, "positions", "name", ["rail-1", "rail-2"], id="deck-types"),
    pytest.param(f"{API}/protocols/runs", add_runs, "function_calls", "function_name", CALLS, id="runs"),
]  # fmt: skip


def assert_page(
    response: httpx.Response, *, items: int, rows: int, children: str, name: str, expected: list[str]
) -> None:
    """A 200 with ``items`` items out of ``rows``, every item with all its children, in order."""
    assert response.status_code == 200, response.text
    assert total(response) == rows
    body = response.json()
    assert len(body) == items
    assert all([child[name] for child in item[children]] == expected for item in body)


@pytest.mark.parametrize(("url", "add", "children", "name", "expected"), LISTS)
async def test_a_list_read_sends_six_statements_at_10_rows_and_at_200(
    client: httpx.AsyncClient,
    repos: Builders,
    count_queries: Any,
    url: str,
    add: AddRows,
    children: str,
    name: str,
    expected: list[str],
) -> None:
    await add(repos, 10)
    with count_queries() as at_10:
        small = await client.get(url, params={"limit": PAGE})
    await add(repos, 190)
    with count_queries() as at_200:
        full = await client.get(url, params={"limit": PAGE})

    assert at_10.count == at_200.count == len(STATEMENTS)
    assert at_10.kinds() == at_200.kinds() == STATEMENTS
    assert_page(small, items=10, rows=10, children=children, name=name, expected=expected)
    assert_page(full, items=PAGE, rows=200, children=children, name=name, expected=expected)
