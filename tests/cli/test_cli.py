"""The ``praxis`` command, run as a user runs it: in a subprocess, against a database of its own.

A subprocess cannot see the test's rolled-back transaction, so these tests get a committed database
cloned from the migrated template (the ``committed_database`` fixture) and read what the command left in it.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend.db.embedded import embedded_server_running
from tests.harness.serving import start_serving

#: each runs ``praxis`` in a new process: a second or more apiece
pytestmark = pytest.mark.slow(seconds=3)


def praxis(
    url: str, *args: str, timeout: float = 120, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``praxis ARGS`` on the database ``url``; ``env`` adds variables, ``cwd`` runs it elsewhere."""
    return subprocess.run(
        [sys.executable, "-m", "praxis.backend.cli", *args],
        env={**os.environ, "PRAXIS_DATABASE_URL": url, "COLUMNS": "200", **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


async def scalar(url: str, sql: str) -> object:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text(sql))
    finally:
        await engine.dispose()


async def test_db_current_downgrade_and_upgrade(committed_database: str) -> None:
    current = praxis(committed_database, "db", "current")
    assert current.returncode == 0, current.stderr
    head = await scalar(committed_database, "SELECT version_num FROM alembic_version")
    assert f"{head} (head)" in current.stdout + current.stderr

    down = praxis(committed_database, "db", "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert await scalar(committed_database, "SELECT to_regclass('public.deck') IS NULL") is True

    up = praxis(committed_database, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    assert await scalar(committed_database, "SELECT version_num FROM alembic_version") == head


def write_protocols(directory: Path, count: int) -> None:
    directory.mkdir()
    for n in range(count):
        (directory / f"assay_{n}.py").write_text(
            "from praxis.backend.protocols import protocol\n\n\n"
            f"@protocol(version='1.{n}')\n"
            f"def assay_{n}(volume_ul: float, repeats: int = 3) -> None:\n"
            f"    '''Assay number {n}.'''\n"
        )


async def test_discover_stores_protocols_and_running_it_twice_changes_nothing(
    committed_database: str, tmp_path: Path
) -> None:
    write_protocols(tmp_path / "protocols", 25)  # long enough a scan for the progress bar

    first = praxis(committed_database, "discover", str(tmp_path / "protocols"))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "25 protocol(s) in the catalog" in first.stdout
    stamp = await scalar(committed_database, "SELECT max(updated_at)::text FROM protocol_definition")

    second = praxis(committed_database, "discover", str(tmp_path / "protocols"))
    assert second.returncode == 0
    assert await scalar(committed_database, "SELECT count(*) FROM protocol_definition") == 25
    assert await scalar(committed_database, "SELECT max(updated_at)::text FROM protocol_definition") == stamp


async def test_discover_reports_a_broken_file_and_keeps_the_others(
    committed_database: str, tmp_path: Path
) -> None:
    write_protocols(tmp_path / "protocols", 2)
    (tmp_path / "protocols" / "broken.py").write_text("def oops(:\n")

    result = praxis(committed_database, "discover", str(tmp_path / "protocols"))

    assert result.returncode == 1
    assert "broken.py" in result.stdout and "SyntaxError" in result.stdout
    assert await scalar(committed_database, "SELECT count(*) FROM protocol_definition") == 2


def test_discover_of_a_missing_directory_is_a_clear_error(committed_database: str, tmp_path: Path) -> None:
    result = praxis(committed_database, "discover", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "nowhere is not a directory" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


async def test_seed_demo_loads_the_lab_once(committed_database: str) -> None:
    first = praxis(committed_database, "db", "seed-demo")
    assert first.returncode == 0, first.stderr
    assert "loaded" in first.stdout
    assert await scalar(committed_database, "SELECT count(*) FROM machine") == 3
    assert await scalar(committed_database, "SELECT count(*) FROM function_data_output") == 96
    assert await scalar(committed_database, "SELECT status FROM protocol_run") == "completed"
    assert await scalar(committed_database, "SELECT count(*) FROM deck_position_definition") == 30
    nested = "SELECT count(*) FROM function_call_log WHERE parent_function_call_log_id IS NOT NULL"
    assert await scalar(committed_database, nested) == 4
    assert await scalar(committed_database, "SELECT duration_ms >= 0 FROM protocol_run") is True
    assert await scalar(committed_database, "SELECT final_state_json->>'plate' FROM protocol_run") == "read"
    reader = "SELECT status_details FROM machine WHERE status = 'maintenance'"
    assert await scalar(committed_database, reader) == "lamp replacement due (2,000 h)"
    on_deck = "SELECT count(*) FROM resource WHERE deck_id IS NOT NULL AND position_name = 'rail-7'"
    assert await scalar(committed_database, on_deck) == 1
    on_carrier = "SELECT count(*) FROM resource r JOIN resource c ON r.parent_id = c.accession_id"
    assert await scalar(committed_database, on_carrier) == 3
    wells = "SELECT count(DISTINCT well_name) FROM function_data_output WHERE data_quality_score = 0.98"
    assert await scalar(committed_database, wells) == 96

    second = praxis(committed_database, "db", "seed-demo")
    assert second.returncode == 0 and "already there" in second.stdout
    assert await scalar(committed_database, "SELECT count(*) FROM workcell") == 1
    assert await scalar(committed_database, "SELECT count(*) FROM function_data_output") == 96


async def test_serve_answers_with_the_demo_lab_and_the_docs(committed_database: str) -> None:
    assert praxis(committed_database, "db", "seed-demo").returncode == 0

    server = await asyncio.to_thread(start_serving, env={"PRAXIS_DATABASE_URL": committed_database})

    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:[1-9][0-9]*", server.url), server.url  # the port it bound
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.get("/health")).status_code == 200  # listening before it says so
            workcells = (await http.get("/api/v1/workcells")).json()
            assert [w["name"] for w in workcells] == ["Demo lab: bay 1"]
            docs = await http.get("/docs")
            assert docs.status_code == 200 and "swagger-ui" in docs.text
    finally:
        output = await asyncio.to_thread(server.stop)
    # on loopback with no token it runs open, and says so once
    assert output.count("No API token exists: the API is open to this machine") == 1, output


def test_serve_on_the_embedded_server_stops_it_when_terminated(
    embedded_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``docker stop`` and service managers send SIGTERM: the server shuts down and so does its database."""
    monkeypatch.delenv("PRAXIS_DATABASE_URL", raising=False)
    server = start_serving(env={"PRAXIS_DATA_DIR": str(embedded_data_dir)})
    try:
        assert httpx.get(f"{server.url}/health").status_code == 200
        assert embedded_server_running(embedded_data_dir / "pgdata")
    finally:
        output = server.stop()

    assert server.process.returncode == 128 + signal.SIGTERM, output
    assert "Application shutdown complete" in output
    assert not embedded_server_running(embedded_data_dir / "pgdata")
