"""Which database the running application uses, decided in one place for the app and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from praxis.backend.db.embedded import start_embedded_server
from praxis.backend.settings import Settings


@dataclass(frozen=True)
class DatabaseTarget:
    url: str
    embedded: bool


def resolve_database(settings: Settings) -> DatabaseTarget:
    """``PRAXIS_DATABASE_URL`` when set, else the embedded server in the user data directory."""
    if settings.database_url:
        return DatabaseTarget(url=settings.database_url, embedded=False)
    url = start_embedded_server(settings.data_dir / "pgdata")
    return DatabaseTarget(url=url, embedded=True)
