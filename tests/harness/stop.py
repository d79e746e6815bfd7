"""``python -m tests.harness.stop``: stop the embedded test server, which test runs leave running.

A run joins the server the previous one left (``~/.cache/praxis/test-pgdata``) instead of starting
PostgreSQL again; stop it when you are done for the day, or to free its memory. A run in progress
keeps it alive: it is stopped only when no process uses it.
"""

from __future__ import annotations

from praxis.backend.db.embedded import stop_embedded_server
from tests.harness.server import test_data_dir


def main() -> None:
    data_dir = test_data_dir()
    if stop_embedded_server(data_dir):
        print(f"stopped the embedded test server on {data_dir} (unless a run still uses it)")
    else:
        print(f"no embedded test server runs on {data_dir}")


if __name__ == "__main__":
    main()
