"""A protocol attaches a file to an output (``record_output(..., file=...)``): bytes, or a file it
wrote, stored with the output and served by the API; one over the limit fails the run saying so."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from praxis.backend.execution.worker import WorkerOptions
from praxis.backend.models.orm import ProtocolDefinitionOrm, RunStatus
from praxis.backend.repositories import Repositories
from tests.builders import Builders
from tests.harness.execution import ProtocolRunner, discover_source

PROTOCOLS = """
import tempfile
from pathlib import Path
from praxis.backend.protocols import current_run, protocol

CSV = b"well,od\\nA1,0.512\\n"

@protocol
def exports() -> None:
    current_run().record_output("od_export", "2 wells", file=CSV, file_name="od.csv")
    written = Path(tempfile.mkdtemp()) / "plate.json"
    written.write_text('{"A1": 0.512}')
    current_run().record_output("plate_export", 1, file=written)

@protocol
def exports_too_much() -> None:
    current_run().record_output("huge", "x", file=b"x" * 2048, file_name="huge.bin")
"""


@pytest.fixture
async def protocols(tmp_path: Path, repositories: Repositories) -> dict[str, ProtocolDefinitionOrm]:
    return await discover_source(repositories, tmp_path, PROTOCOLS, "exporting.py")


async def test_an_output_carries_the_file_the_protocol_gave_it(
    client: httpx.AsyncClient,
    repos: Builders,
    protocols: dict[str, ProtocolDefinitionOrm],
    protocol_runner: ProtocolRunner,
) -> None:
    run = await repos.protocol_run.create(protocol_definition=protocols["exports"], input_parameters={})
    finished = await protocol_runner.run(run)

    assert finished.run.status is RunStatus.COMPLETED, finished.run.status_details
    by_name = {o.name: o for o in finished.outputs}
    csv, plate = by_name["od_export"], by_name["plate_export"]
    assert (csv.file_name, csv.file_content_type, csv.file_size_bytes) == ("od.csv", "text/csv", 17)
    assert csv.file_sha256 == hashlib.sha256(b"well,od\nA1,0.512\n").hexdigest()
    assert (plate.file_name, plate.file_content_type) == ("plate.json", "application/json")
    served = await client.get(f"/api/v1/outputs/{csv.accession_id}/file")
    assert served.status_code == 200 and served.content == b"well,od\nA1,0.512\n"
    assert (await client.get(f"/api/v1/outputs/{plate.accession_id}/file")).content == b'{"A1": 0.512}'


async def test_a_file_over_the_limit_fails_the_run_naming_the_file(
    repos: Builders, protocols: dict[str, ProtocolDefinitionOrm], protocol_runner: ProtocolRunner
) -> None:
    protocol_runner.worker.options = WorkerOptions(time_limit=60, cancel_grace=2, max_file_bytes=1024)
    run = await repos.protocol_run.create(
        protocol_definition=protocols["exports_too_much"], input_parameters={}
    )
    finished = await protocol_runner.run(run)

    assert finished.run.status is RunStatus.FAILED
    assert finished.run.error_message == (
        "ValueError: the file 'huge.bin' is 2048 bytes; an output's file may be at most 1024"
    )
    assert finished.outputs == []
