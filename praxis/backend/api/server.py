"""The HTTP server ``praxis serve`` runs: uvicorn on the app, configured in this one place.

The live tier of the test suite runs the very same server (on a free port of 127.0.0.1), so what it
shows about connections, timeouts and the unit of work is what a deployment does.
"""

from __future__ import annotations

from typing import Any

import uvicorn

from praxis.backend.api.app import create_app
from praxis.backend.settings import Settings


def http_server(
    settings: Settings, *, database_url: str, host: str, port: int, **options: Any
) -> uvicorn.Server:
    """A uvicorn server for the app on ``database_url``; ``port=0`` takes a free port. ``options``:
    more ``uvicorn.Config`` settings (the tests turn logging down and bound the shutdown)."""
    config = uvicorn.Config(create_app(settings, database_url=database_url), host=host, port=port, **options)
    return uvicorn.Server(config)
