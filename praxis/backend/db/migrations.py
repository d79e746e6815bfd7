"""Running Alembic from code: the CLI, the application start-up and the test harness all come here."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from alembic import command

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
ALEMBIC_DIR = PROJECT_ROOT / "alembic"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config for this project; ``connection`` makes env.py run on it instead of connecting."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    if url is not None:
        config.attributes["url"] = url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def run_on_engine(engine: AsyncEngine, action: str, revision: str) -> None:
    """``upgrade``/``downgrade`` to ``revision`` in one transaction on a connection of ``engine``."""

    def run(sync_connection: Connection) -> None:
        getattr(command, action)(alembic_config(connection=sync_connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def upgrade_to_head(engine: AsyncEngine) -> None:
    await run_on_engine(engine, "upgrade", "head")
