"""``POST /api/v1/protocols/discover``: cataloging a directory's protocols through the API.

Discovery imports, and so runs, the files it scans, so the server only scans directories under its
configured ``protocol_roots``. These tests build the app with ``tmp_path`` as its one root, on the
test's session (``app_client``, as the ``client`` fixture does), and write the protocol
files they scan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.settings import Settings
from tests.api.helpers import API, assert_error, assert_validation_error
from tests.builders import Builders
from tests.harness.session import app_client
from tests.protocol_files import SERIAL_DILUTION, write

URL = f"{API}/protocols/discover"

DILUTION = SERIAL_DILUTION


@pytest.fixture
async def discovery_client(db_session: AsyncSession, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app with ``tmp_path`` as its only protocol root, its requests on the test's session."""
    async with app_client(db_session, Settings(protocol_roots=[tmp_path])) as http:
        yield http


@pytest.fixture
def protocols(tmp_path: Path) -> Path:
    """``tmp_path/protocols`` holding one protocol file, ``transfers.py``."""
    write(tmp_path, "protocols/transfers.py", DILUTION)
    return tmp_path / "protocols"


async def test_discover_catalogs_the_protocol_of_a_directory(
    discovery_client: httpx.AsyncClient, repos: Builders, protocols: Path
) -> None:
    response = await discovery_client.post(URL, json={"path": str(protocols)})

    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == []
    [definition] = body["definitions"]
    assert (definition["name"], definition["fqn"], definition["version"], definition["is_inferred"]) == (
        "serial_dilution",
        "transfers.serial_dilution",
        "1.2.0",
        False,
    )
    assert definition["description"] == "Two-fold dilution along a row."
    assert [(p["name"], p["optional"]) for p in definition["parameters"]] == [
        ("volume_ul", False),
        ("steps", True),
    ]
    assert [a["name"] for a in definition["required_assets"]] == ["lh"]
    stored = await repos.protocol_definition.get(definition["accession_id"])
    assert (stored.fqn, stored.version, stored.source_file_path) == (
        "transfers.serial_dilution",
        "1.2.0",
        str((protocols / "transfers.py").resolve()),
    )


async def test_discover_takes_a_path_relative_to_the_root(
    discovery_client: httpx.AsyncClient, repos: Builders, protocols: Path
) -> None:
    response = await discovery_client.post(URL, json={"path": "protocols"})

    assert response.status_code == 200
    assert [d["fqn"] for d in response.json()["definitions"]] == ["transfers.serial_dilution"]
    assert await repos.protocol_definition.count() == 1


async def test_discover_twice_changes_nothing(
    discovery_client: httpx.AsyncClient, repos: Builders, protocols: Path
) -> None:
    first = await discovery_client.post(URL, json={"path": str(protocols)})
    second = await discovery_client.post(URL, json={"path": str(protocols)})

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()  # same ids, same timestamps, same everything
    assert [d["accession_id"] for d in second.json()["definitions"]] == [
        d["accession_id"] for d in first.json()["definitions"]
    ]
    assert await repos.protocol_definition.count() == 1


async def test_discover_after_an_edit_updates_the_same_row(
    discovery_client: httpx.AsyncClient, repos: Builders, protocols: Path
) -> None:
    first = (await discovery_client.post(URL, json={"path": str(protocols)})).json()["definitions"][0]
    write(protocols, "transfers.py", DILUTION.replace("steps: int = 8", "steps: int = 12"))

    second = (await discovery_client.post(URL, json={"path": str(protocols)})).json()["definitions"][0]

    assert second["accession_id"] == first["accession_id"]
    assert second["parameters"][1]["default"] == "12"
    assert await repos.protocol_definition.count() == 1


async def test_a_discovered_protocol_can_be_run(
    discovery_client: httpx.AsyncClient, repos: Builders, protocols: Path
) -> None:
    definition = (await discovery_client.post(URL, json={"path": str(protocols)})).json()["definitions"][0]

    refused = await discovery_client.post(
        f"{API}/protocols/runs", json={"protocol_definition_id": definition["accession_id"]}
    )
    run = await discovery_client.post(
        f"{API}/protocols/runs",
        json={"protocol_definition_id": definition["accession_id"], "input_parameters": {"volume_ul": 100}},
    )

    assert_error(refused, 409, "invalid_value", field="input_parameters.volume_ul")
    assert run.status_code == 201
    assert (run.json()["name"], run.json()["status"]) == ("serial_dilution", "pending")


async def test_a_broken_file_is_reported_and_the_rest_cataloged(
    discovery_client: httpx.AsyncClient, repos: Builders, protocols: Path
) -> None:
    broken = write(protocols, "broken.py", "import not_a_module_anywhere\n")

    response = await discovery_client.post(URL, json={"path": str(protocols)})

    assert response.status_code == 200
    body = response.json()
    assert [d["fqn"] for d in body["definitions"]] == ["transfers.serial_dilution"]
    [error] = body["errors"]
    assert error["path"] == str(broken.resolve())
    assert "not_a_module_anywhere" in error["error"]
    assert await repos.protocol_definition.count() == 1


async def test_an_empty_directory_catalogs_nothing(
    discovery_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()

    response = await discovery_client.post(URL, json={"path": "empty"})

    assert response.status_code == 200
    assert response.json() == {"definitions": [], "errors": []}


@pytest.mark.parametrize(
    "path",
    [
        "../",
        "..",
        "protocols/../../",
        "/etc",
        "/",
        "{root}/../{outside}",
        "../{outside}",
        "~root",
        "~praxis-no-such-user\U0003cc68/plates",  # refused as outside, not as a user the server lacks
    ],
    ids=[
        "dot-dot-slash",
        "dot-dot",
        "nested-traversal",
        "etc",
        "filesystem-root",
        "absolute-traversal",
        "relative-traversal",
        "a-home-directory",
        "a-home-directory-of-no-user",
    ],
)
async def test_a_path_outside_the_root_is_403(
    discovery_client: httpx.AsyncClient,
    repos: Builders,
    protocols: Path,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    path: str,
) -> None:
    outside = tmp_path_factory.mktemp("outside")  # a sibling of tmp_path, holding a real protocol
    write(outside, "outside.py", DILUTION)

    response = await discovery_client.post(
        URL, json={"path": path.replace("{root}", str(tmp_path)).replace("{outside}", outside.name)}
    )

    body = assert_error(response, 403, "forbidden", field="path")
    assert "outside the allowed protocol roots" in body["detail"]
    assert await repos.protocol_definition.count() == 0


async def test_a_symlink_out_of_the_root_is_403(
    discovery_client: httpx.AsyncClient,
    repos: Builders,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    write(outside, "outside.py", DILUTION)
    (tmp_path / "link").symlink_to(outside, target_is_directory=True)

    response = await discovery_client.post(URL, json={"path": "link"})

    assert_error(response, 403, "forbidden", field="path")
    assert await repos.protocol_definition.count() == 0


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("no-such-directory", "does not exist"),
        ("protocols/transfers.py", "not a directory"),
        ("0" * 5000, "cannot be read"),  # longer than the filesystem takes: no 500, no outage
    ],
    ids=["missing", "a-file", "name-too-long"],
)
async def test_a_path_under_the_root_that_is_no_readable_directory_is_409(
    discovery_client: httpx.AsyncClient, repos: Builders, protocols: Path, path: str, message: str
) -> None:
    response = await discovery_client.post(URL, json={"path": path})

    body = assert_error(response, 409, "invalid_value", field="path")
    assert message in body["detail"]
    assert await repos.protocol_definition.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "path"), ({"path": 7}, "path"), ({"path": "protocols", "recursive": False}, "recursive")],
    ids=["missing-path", "path-wrong-type", "unknown-field"],
)
async def test_discover_refuses_invalid_input(
    discovery_client: httpx.AsyncClient, repos: Builders, protocols: Path, body: dict[str, object], field: str
) -> None:
    assert_validation_error(await discovery_client.post(URL, json=body), field)
    assert await repos.protocol_definition.count() == 0


async def test_a_server_without_protocol_roots_discovers_nothing(
    db_session: AsyncSession, repos: Builders, protocols: Path
) -> None:
    async with app_client(db_session, Settings(protocol_roots=[])) as http:
        response = await http.post(URL, json={"path": str(protocols)})

        body = assert_error(response, 403, "forbidden", field="path")
        assert "PRAXIS_PROTOCOL_ROOTS" in body["detail"]
    assert await repos.protocol_definition.count() == 0


async def test_a_path_with_a_nul_character_is_422(
    discovery_client: httpx.AsyncClient, repos: Builders
) -> None:
    assert_validation_error(await discovery_client.post(URL, json={"path": "protocols\x00"}), "path")
    assert await repos.protocol_definition.count() == 0


async def test_a_path_that_is_no_unicode_text_is_422(
    discovery_client: httpx.AsyncClient, repos: Builders
) -> None:
    # ``\ud800`` alone is a valid JSON escape but no character
    response = await discovery_client.post(
        URL, content='{"path": "~\\ud800"}', headers={"content-type": "application/json"}
    )

    assert_validation_error(response, "path")
    assert await repos.protocol_definition.count() == 0
