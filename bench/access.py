"""``python -m bench.access``: what checking a request's API token costs.

One application (production's, its lifespan run, real commits) on a database cloned from the tests'
template, served in-process; ``GET /api/v1/workcells/{id}`` sent ``--requests`` times with a token,
and as many times with the check overridden away (``dependency_overrides``), interleaved in rounds so
the machine's load falls on both alike. Prints the median per request of each, the difference (the
check: one read of the unique index on the token's hash, in the request's transaction) and the ratio.
The issue's rule: no cache unless this shows the read matters.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from bench.databases import BenchDatabases
from praxis.backend.api.access import authorize
from praxis.backend.api.app import create_app
from praxis.backend.settings import Settings
from tests.harness.auth import bearer, committed_token


async def per_request(http: httpx.AsyncClient, url: str, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        response = await http.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.text}")
    return (time.perf_counter() - started) / count


async def measure(requests: int, rounds: int) -> dict[str, float]:
    databases = await BenchDatabases.open()
    try:
        database = await databases.clone("access")
        token = await committed_token(database.url)
        apps = {"token": create_app(Settings(), database_url=database.url)}
        apps["no_check"] = create_app(Settings(), database_url=database.url)
        apps["no_check"].dependency_overrides[authorize] = lambda: None
        samples: dict[str, list[float]] = {name: [] for name in apps}
        async with (
            apps["token"].router.lifespan_context(apps["token"]),
            apps["no_check"].router.lifespan_context(apps["no_check"]),
        ):
            clients = {
                name: httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url="http://localhost",
                    headers=bearer(token),
                )
                for name, app in apps.items()
            }
            created = await clients["token"].post("/api/v1/workcells", json={"name": "bay-1"})
            url = f"/api/v1/workcells/{created.json()['accession_id']}"
            for http in clients.values():
                await per_request(http, url, 50)  # warm-up: compiled statements, the pool
            for _ in range(rounds):
                for name, http in clients.items():
                    samples[name].append(await per_request(http, url, requests // rounds))
            for http in clients.values():
                await http.aclose()
    finally:
        await databases.close()
    return {name: 1000 * statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=10)
    options = parser.parse_args()
    figures = asyncio.run(measure(options.requests, options.rounds))
    check = figures["token"] - figures["no_check"]
    print(f"GET one workcell, with its token checked: {figures['token']:.3f} ms per request")
    print(f"                  without the check:      {figures['no_check']:.3f} ms per request")
    print(f"the check: {check:.3f} ms ({figures['token'] / figures['no_check']:.2f}x)")


if __name__ == "__main__":
    main()
