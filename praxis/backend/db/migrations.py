"""Running Alembic from code: the ``praxis`` command, the application start-up and the test harness
all come here, and only here.

The migrations live in the repository's top-level ``alembic/`` directory, where the ``alembic``
command finds them in a checkout; a wheel carries the same directory as ``praxis/migrations`` (see
``setup.py``). ``ALEMBIC_DIR`` is whichever of the two this installation has.

Alembic itself is imported only when a migration runs: importing it costs about a quarter of a second
(it loads Mako and Pygments), which every test run and every ``praxis`` command would otherwise pay
although most find the schema already at head.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from alembic.config import Config

_PACKAGE = Path(__file__).resolve().parents[2]  # .../praxis
_INSTALLED = _PACKAGE / "migrations"
ALEMBIC_DIR = _INSTALLED if (_INSTALLED / "env.py").is_file() else _PACKAGE.parent / "alembic"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config for this project; ``connection`` makes env.py run on it instead of connecting.

    Built in code rather than read from ``alembic.ini``, which a wheel does not carry; the ini file
    serves the ``alembic`` command in a checkout (``alembic revision --autogenerate``).
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    if url is not None:
        config.attributes["url"] = url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def run_on_engine(engine: AsyncEngine, action: str, *args: str) -> None:
    """Alembic's ``action`` (``upgrade head``, ``downgrade -1``, ``current``) in one transaction on a
    connection of ``engine``."""

    from alembic import command

    def run(sync_connection: Connection) -> None:
        getattr(command, action)(alembic_config(connection=sync_connection), *args)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def run_on_url(url: str, action: str, *args: str) -> None:
    """``run_on_engine`` on a connection of its own to ``url``, closed afterwards."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        await run_on_engine(engine, action, *args)
    finally:
        await engine.dispose()


async def upgrade_to_head(engine: AsyncEngine) -> None:
    await run_on_engine(engine, "upgrade", "head")


#: the job queue's tables (pgqueuer's) begin so: its schema comes with a migration, not with the models
JOB_QUEUE_PREFIX = "pgqueuer"


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """What autogenerate compares: everything but the job queue's own tables, which no model maps."""
    return not (type_ == "table" and name is not None and name.startswith(JOB_QUEUE_PREFIX))


@cache
def head_revision() -> str:
    """The revision this Praxis's schema is at once migrated: the migrations' single head."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations have no head"
    return head
