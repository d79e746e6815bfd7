"""``/api/v1/outputs/{id}/file``: an output carries a file (a reader's export, an image): its bytes
stored with their name, media type, size and SHA-256; read back whole; replaced or removed; refused
when empty, too large, or not sent as bytes. Reading outputs never reads the bytes."""

from __future__ import annotations

import hashlib

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.settings import Settings
from tests.api.helpers import API, assert_error
from tests.builders import Builders
from tests.harness.session import app_client

URL = f"{API}/outputs"
CSV = b"well,od\nA1,0.512\nA2,0.498\n"
OCTETS = {"Content-Type": "application/octet-stream"}


async def attach(client: httpx.AsyncClient, output_id: object, data: bytes, **params: str) -> httpx.Response:
    return await client.put(
        f"{URL}/{output_id}/file", content=data, headers=OCTETS, params={"name": "read.csv", **params}
    )


async def test_a_file_is_stored_described_and_read_back_whole(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    output = await repos.data_output.create()

    attached = await attach(client, output.accession_id, CSV, content_type="text/csv")
    listed = await client.get(URL, params={"protocol_run_id": str(output.protocol_run_id)})
    read = await client.get(f"{URL}/{output.accession_id}/file")

    assert attached.status_code == 200, attached.text
    described = {k: v for k, v in attached.json().items() if k.startswith("file_")}
    assert described == {
        "file_name": "read.csv",
        "file_content_type": "text/csv",
        "file_size_bytes": len(CSV),
        "file_sha256": hashlib.sha256(CSV).hexdigest(),
    }
    assert attached.json()["version"] == output.version + 1
    assert listed.json()[0]["file_name"] == "read.csv"
    assert read.status_code == 200 and read.content == CSV
    assert read.headers["content-type"] == "application/octet-stream"
    assert (
        read.headers["content-disposition"] == "attachment; filename=\"read.csv\"; filename*=UTF-8''read.csv"
    )
    assert read.headers["etag"] == f'"{hashlib.sha256(CSV).hexdigest()}"'


async def test_a_new_file_replaces_the_old_and_removing_it_keeps_the_output(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    output = await repos.data_output.create()
    await attach(client, output.accession_id, CSV)

    replaced = await attach(
        client, output.accession_id, b"\x89PNG...", name="plate-1 Ω.png", content_type="image/png"
    )
    read = await client.get(f"{URL}/{output.accession_id}/file")
    removed = await client.delete(f"{URL}/{output.accession_id}/file")
    after = await client.get(f"{URL}/{output.accession_id}/file")

    assert replaced.json()["file_size_bytes"] == 7 and read.content == b"\x89PNG..."
    assert "filename*=UTF-8''plate-1%20%CE%A9.png" in read.headers["content-disposition"]
    assert removed.status_code == 200 and removed.json()["file_name"] is None
    assert_error(after, 404, "not_found", entity="output_file")
    assert (await client.get(f"{URL}/{output.accession_id}")).status_code == 200


async def test_an_empty_file_an_unknown_output_and_a_file_not_sent_as_bytes_are_refused(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    output = await repos.data_output.create()

    empty = await attach(client, output.accession_id, b"")
    unknown = await attach(client, "01a24b50-0000-7000-8000-000000000000", CSV)
    as_text = await client.put(
        f"{URL}/{output.accession_id}/file",
        content=CSV,
        headers={"Content-Type": "text/csv"},
        params={"name": "a.csv"},
    )
    with_a_path = await attach(client, output.accession_id, CSV, name="../etc/passwd")
    none_yet = await client.get(f"{URL}/{output.accession_id}/file")

    assert_error(empty, 409, "invalid_value", field="body")
    assert_error(unknown, 404, "not_found")
    assert_error(as_text, 415, "unsupported_media_type", field="Content-Type")
    assert with_a_path.status_code == 422 and "name" in with_a_path.text
    assert_error(none_yet, 404, "not_found", entity="output_file")
    assert (await client.get(f"{URL}/{output.accession_id}")).json()["file_name"] is None


async def test_a_file_over_the_limit_is_refused_before_it_is_read_and_nothing_changes(
    db_session: AsyncSession, repos: Builders
) -> None:
    output = await repos.data_output.create()
    async with app_client(db_session, Settings(max_file_bytes=1000)) as http:
        too_large = await attach(http, output.accession_id, b"x" * 1001)
        at_the_limit = await attach(http, output.accession_id, b"x" * 1000)
        other_bodies = await http.post(
            URL, content=b"{" + b" " * 2000 + b"}", headers={"Content-Type": "application/json"}
        )

    assert_error(too_large, 413, "payload_too_large")
    assert at_the_limit.status_code == 200
    assert other_bodies.status_code != 413  # the file's limit is its own; other bodies keep theirs (1 MiB)


async def test_deleting_an_output_deletes_its_file(client: httpx.AsyncClient, repos: Builders) -> None:
    output = await repos.data_output.create()
    await attach(client, output.accession_id, CSV)

    assert (await client.delete(f"{URL}/{output.accession_id}")).status_code == 204
    assert (await client.get(f"{URL}/{output.accession_id}/file")).status_code == 404
