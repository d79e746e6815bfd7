"""Discovery on a live server imports protocol files in a child process: a file that hangs, exits,
interrupts, leaves a thread or links out of the root costs that discovery only, and the server keeps
answering throughout."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from praxis.backend.settings import Settings
from tests.harness.auth import bearer, committed_token
from tests.harness.live import LiveServer, running_server

URL = "/api/v1/protocols/discover"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "protocols"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "stolen.py").write_text("def stolen() -> None: ...\n")
    (outside / "helpers.py").write_text("def helper() -> None: ...\n")
    files = {
        "slow/slow.py": "import time\ntime.sleep(60)\ndef slow() -> None: ...\n",
        "exits/exits.py": "import os\nos._exit(3)\n",
        "interrupts/interrupts.py": "raise KeyboardInterrupt('at import')\ndef run() -> None: ...\n",
        "threads/threads.py": (
            "import threading, time\nthreading.Thread(target=lambda: time.sleep(3600)).start()\n"
            "def run() -> None: ...\n"
        ),
        "links/fine.py": "def fine() -> None: ...\n",
        "relative/uses.py": "from .shared import helpers\ndef run() -> None: ...\n",
    }
    for name, source in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source)
    os.symlink(outside / "stolen.py", root / "links" / "stolen.py")
    os.symlink(outside, root / "relative" / "shared", target_is_directory=True)
    return root


@pytest.fixture
def server(committed_database: str, root: Path) -> Iterator[LiveServer]:
    settings = Settings(protocol_roots=[root], discovery_time_limit=3.0)
    with running_server(committed_database, settings) as live:
        yield live


async def admin(server: LiveServer) -> dict[str, str]:
    """The header of a new token that may run discovery (the ``admin`` scope)."""
    return bearer(await committed_token(server.database_url, ["admin"]))


async def health_throughout(http: httpx.AsyncClient, work: asyncio.Task[httpx.Response]) -> int:
    """Ask /health again and again while ``work`` runs, each answer due within 1 s; how many came."""
    answered = 0
    while not work.done():
        response = await http.get("/health", timeout=1.0)
        assert response.status_code == 200
        answered += 1
    return answered


async def test_a_file_that_hangs_at_import_is_stopped_and_named_while_the_server_answers(
    server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=await admin(server)) as http:
        discovery = asyncio.create_task(http.post(URL, json={"path": "slow"}))
        answered = await health_throughout(http, discovery)
        response = discovery.result()

    assert answered > 1
    assert response.status_code == 409, response.text
    assert "slow.py" in response.json()["detail"]
    assert "longer than 3 s" in response.json()["detail"]


async def test_a_file_that_exits_at_import_fails_its_discovery_only(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=await admin(server)) as http:
        response = await http.post(URL, json={"path": "exits"})
        health = await http.get("/health")

    assert response.status_code == 409
    assert "exits.py" in response.json()["detail"]
    assert "exited with status 3" in response.json()["detail"]
    assert health.status_code == 200


@pytest.mark.parametrize(
    ("directory", "file", "error"),
    [
        ("interrupts", "interrupts.py", "KeyboardInterrupt: at import"),
        ("links", "stolen.py", "outside the protocol root"),
        ("relative", "uses.py", "outside the protocol root"),
    ],
)
async def test_a_bad_file_is_listed_with_its_error_and_the_rest_is_cataloged(
    server: LiveServer, directory: str, file: str, error: str
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=await admin(server)) as http:
        response = await http.post(URL, json={"path": directory})

    assert response.status_code == 200, response.text
    errors = response.json()["errors"]
    assert [Path(e["path"]).name for e in errors] == [file]
    assert error in errors[0]["error"]
    if directory == "links":
        assert [d["name"] for d in response.json()["definitions"]] == ["fine"]


async def test_a_file_that_leaves_a_thread_running_is_cataloged_and_leaves_nothing_behind(
    server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=await admin(server)) as http:
        response = await http.post(URL, json={"path": "threads"})

    assert response.status_code == 200
    assert [d["name"] for d in response.json()["definitions"]] == ["run"]
    assert [t.name for t in threading.enumerate() if "Thread-" in t.name and t.daemon is False] == []
