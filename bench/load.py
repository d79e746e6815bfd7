"""``python -m bench.load``: the load run of ``tests.harness.load``, long, with its figures printed.

5,000 mixed requests from 50 concurrent clients (``--quick``: 1,000, the suite's run) against the app
under uvicorn on loopback, on a database cloned from the test template (``bench.databases``). Exits
non-zero if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict

from bench.databases import BenchDatabases
from tests.harness.load import Figures, run


async def on_a_bench_database(requests: int, clients: int) -> Figures:
    databases = await BenchDatabases.open()
    try:
        database = await databases.clone("load")
        return await run(database.url, requests, clients)
    finally:
        await databases.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="1,000 requests (for CI)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args(argv)
    figures = asyncio.run(on_a_bench_database(1000 if args.quick else args.requests, args.clients))
    if args.json:
        print(json.dumps(asdict(figures)))
    else:
        print(
            f"{figures.requests} requests from {figures.clients} clients in {figures.wall_seconds} s "
            f"({figures.requests_per_second}/s): {figures.errors} errors"
        )
        print(
            f"latency p50 {figures.p50_ms} ms, p90 {figures.p90_ms} ms, p99 {figures.p99_ms} ms, max {figures.max_ms} ms"
        )
        print(f"statuses {figures.statuses}")
        print(f"p50 by kind (ms) {figures.p50_ms_by_kind}")
        print(
            f"database connections at peak: {figures.peak_server_connections} (pool limit {figures.pool_limit})"
        )
        for failure in figures.failures:
            print(f"  failed: {failure}")
    return 1 if figures.errors else 0


if __name__ == "__main__":
    sys.exit(main())
