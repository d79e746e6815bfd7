"""The client tier: clients generated from a live server's document, and a lab made through
openapi-python-client's (``tests/harness/generated_client.py`` says how they are generated and kept).

One live server serves the tier's tests in each test process (the tier's modules share the xdist group
``tests.clients.CLIENT_TIER``, so that where xdist honours groups one worker runs them all). The tests
only read what they made (each row named apart, lists read for the row a test created), so sharing its
committed database cannot couple them; a server per test would cost a database clone, a start and a
stop each, several times what a test's requests take.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.clients.lab import ClientLab, lab_on
from tests.harness.auth import committed_token
from tests.harness.generated_client import GeneratedClient
from tests.harness.harness import Harness
from tests.harness.live import LiveServer, running_server
from tests.harness.typescript import TypeScriptTools, typescript_tools


@pytest.fixture(scope="package")
async def client_tier_server(praxis_harness: Harness, worker_id: str) -> AsyncIterator[LiveServer]:
    """The production server on a committed database of the tier's own."""
    harness = praxis_harness
    name = harness.worker_database_name(worker_id, "clients")
    url = await harness.clone(name)
    try:
        with running_server(url) as server:
            yield server
    finally:
        await harness.drop(name)


@pytest.fixture(scope="package")
def document(client_tier_server: LiveServer) -> bytes:
    """The OpenAPI document as the server serves it."""
    return httpx.get(f"{client_tier_server.url}/openapi.json", timeout=60).content


@pytest.fixture(scope="package")
async def client_tier_token(client_tier_server: LiveServer) -> str:
    """The secret of a token with every scope on the tier's server, which the generated clients send."""
    token = await committed_token(client_tier_server.database_url)
    assert token.secret is not None
    return token.secret


@pytest.fixture(scope="package")
def lab(client_tier_server: LiveServer, client_tier_token: str) -> Iterator[ClientLab]:
    """A lab on the server through openapi-python-client's client (``lab_on``)."""
    with lab_on(client_tier_server, client_tier_token) as made:
        yield made


@pytest.fixture(scope="package")
def python_client(lab: ClientLab) -> GeneratedClient:
    """openapi-python-client's package of the document the server serves."""
    return lab.generated


@pytest.fixture(scope="package")
def typescript() -> TypeScriptTools:
    """openapi-typescript and tsc at their pinned versions, on the machine's node."""
    return typescript_tools()
