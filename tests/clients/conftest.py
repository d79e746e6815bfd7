"""The client tier: a Python client generated from a live server's document, and a lab made through
it (``tests/harness/generated_client.py`` says how the client is generated and kept).

One live server serves the tier's tests (one xdist worker runs them all: ``tests.clients.CLIENT_TIER``). They only read what they made (each row named apart, lists
read for the row a test created), so sharing its committed database cannot couple them; a server per
test would cost a database clone, a start and a stop each, several times what a test's requests take.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.clients.lab import Lab
from tests.harness.database import TestServer, process_harness
from tests.harness.generated_client import GeneratedClient, generated_client
from tests.harness.live import LiveServer, running_server
from tests.harness.typescript import TypeScriptTools, typescript_tools


@pytest.fixture(scope="package")
async def client_tier_server(
    test_server: TestServer, test_database_url: str, worker_id: str
) -> AsyncIterator[LiveServer]:
    """The production server on a committed database of the tier's own."""
    harness = await process_harness(test_server)  # open while test_database_url is: it closes it
    name = harness.worker_database_name(worker_id, "clients")
    url = await harness.clone(name)
    try:
        with running_server(url) as server:
            yield server
    finally:
        await harness.drop(name)


@pytest.fixture(scope="package")
def python_client(
    document: bytes, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> GeneratedClient:
    """The package generated from the document the server serves: once per run and document, under
    the run's temporary directory, which its xdist workers share."""
    base = tmp_path_factory.getbasetemp()
    return generated_client(document, (base if worker_id == "master" else base.parent) / "generated-clients")


@pytest.fixture(scope="package")
def api(python_client: GeneratedClient, client_tier_server: LiveServer) -> Iterator[Any]:
    """The generated package's client on the server."""
    with python_client.client(client_tier_server.url) as client:
        yield client


@pytest.fixture
def lab(python_client: GeneratedClient, api: Any) -> Lab:
    return Lab(python_client, api)


@pytest.fixture(scope="package")
def typescript() -> TypeScriptTools:
    """openapi-typescript and tsc at their pinned versions, on the machine's node."""
    return typescript_tools()


@pytest.fixture(scope="package")
def document(client_tier_server: LiveServer) -> bytes:
    """The OpenAPI document as the server serves it."""
    return httpx.get(f"{client_tier_server.url}/openapi.json", timeout=60).content
