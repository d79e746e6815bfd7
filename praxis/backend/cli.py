"""The ``praxis`` command."""

from __future__ import annotations

import asyncio

import typer
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend.db.migrations import alembic_config
from praxis.backend.db.runtime import DatabaseTarget, resolve_database
from praxis.backend.settings import get_settings

app = typer.Typer(help="Praxis: the lab-automation backend.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _target() -> DatabaseTarget:
    return resolve_database(get_settings())


def _alembic(action: str, *args: str) -> None:
    from alembic import command

    url = _target().url

    async def run() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(
                    lambda sync: getattr(command, action)(alembic_config(connection=sync), *args)
                )
        finally:
            await engine.dispose()

    asyncio.run(run())


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to bind (default: PRAXIS_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default: PRAXIS_PORT or 8000)."),
    migrate: bool = typer.Option(
        False, "--migrate", help="Upgrade an external database to the latest schema first."
    ),
) -> None:
    """Serve the HTTP API. Without PRAXIS_DATABASE_URL, on the embedded PostgreSQL (migrated automatically)."""
    import uvicorn

    from praxis.backend.api.app import create_app

    settings = get_settings()
    target = _target()
    if target.embedded or migrate:
        _alembic("upgrade", "head")
    typer.echo(f"Praxis on {'embedded PostgreSQL' if target.embedded else 'the configured database'}")
    uvicorn.run(
        create_app(settings, database_url=target.url), host=host or settings.host, port=port or settings.port
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Upgrade the schema to REVISION (default: head)."""
    _alembic("upgrade", revision)


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base.")) -> None:
    """Downgrade the schema to REVISION."""
    _alembic("downgrade", revision)


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision the database is at."""
    _alembic("current")


if __name__ == "__main__":
    app()
