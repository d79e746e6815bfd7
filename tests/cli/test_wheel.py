"""The wheel a user deploys carries what the application needs at run time, migrations included.

Built from this checkout with pip, installed into a directory of its own, and run from elsewhere,
so nothing of the checkout can stand in for what the wheel lacks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.cli.test_cli import praxis, scalar
from tests.harness.harness import Harness

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def empty_database(praxis_harness: Harness, worker_id: str) -> AsyncIterator[str]:
    harness = praxis_harness  # names the database and holds its lock
    name = harness.worker_database_name(worker_id, "wheel")
    yield await harness.create_empty(name)
    await harness.drop(name)


def run(*args: str, **options: object) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, **options).stdout  # type: ignore[call-overload, no-any-return]


#: what a wheel is built from; copied first, because the build writes into its source directory and
#: several test runs may build from one checkout at once
SOURCES = ("pyproject.toml", "setup.py", "README.md", "praxis", "alembic")


def installed_wheel(directory: Path) -> Path:
    """Build the wheel of this checkout and install it, without dependencies, into ``directory/site``."""
    source, dist, site = directory / "source", directory / "dist", directory / "site"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(source))
    (wheel,) = dist.glob("praxis-*.whl")
    listing = run(sys.executable, "-m", "zipfile", "-l", str(wheel))
    for path in (
        "praxis/migrations/env.py",
        "praxis/migrations/script.py.mako",
        "praxis/migrations/versions/",
    ):
        assert path in listing, f"the wheel lacks {path}"
    run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel))
    return site


def migrations_dir(site: Path, cwd: Path) -> str:
    code = "import praxis.backend.db.migrations as m; print(m.ALEMBIC_DIR)"
    return run(sys.executable, "-c", code, env={"PYTHONPATH": str(site)}, cwd=cwd).strip()


@pytest.mark.slow(seconds=10)
async def test_an_installed_wheel_migrates_an_empty_database_and_loads_the_demo(
    empty_database: str, tmp_path: Path
) -> None:
    site = installed_wheel(tmp_path)
    assert migrations_dir(site, tmp_path) == str(site / "praxis" / "migrations")
    env = {"PYTHONPATH": str(site)}

    upgrade = praxis(empty_database, "db", "upgrade", env=env, cwd=tmp_path)
    seeded = praxis(empty_database, "db", "seed-demo", env=env, cwd=tmp_path)
    current = praxis(empty_database, "db", "current", env=env, cwd=tmp_path)

    assert upgrade.returncode == 0, upgrade.stderr
    assert seeded.returncode == 0, seeded.stderr
    assert "(head)" in current.stdout + current.stderr
    assert await scalar(empty_database, "SELECT count(*) FROM workcell") == 1
