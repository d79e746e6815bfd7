"""Production's unit of work, over a real socket: a 2xx means committed, for every collection.

Each test runs the real server (``live_server``) on a committed database of its own and checks what a
second client sees, on a connection of its own, the moment the first client has its answer. A deferred
constraint trigger installed by the test makes each COMMIT slow (or refuses it), so a server that
answered before committing could not pass.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid

import httpx
import pytest

from tests.api.collection_spec import CollectionSpec
from tests.api.collection_specs import COLLECTIONS, WORKCELLS
from tests.harness.auth import bearer, committed_token
from tests.harness.live import LiveServer

#: how long the slow trigger holds each COMMIT up: far longer than a read on loopback takes
COMMIT_DELAY_S = 0.2


async def install_commit_trigger(live: LiveServer, table: str, body: str) -> None:
    """A constraint trigger on ``table`` that runs ``body`` (PL/pgSQL) at COMMIT, once per row written."""
    async with live.connection() as connection:
        await connection.execute(
            f"""
            CREATE FUNCTION at_commit_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN {body} RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT OR UPDATE ON {table}
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION at_commit_{table}();
            """
        )


async def slow_commits(live: LiveServer, table: str) -> None:
    await install_commit_trigger(live, table, f"PERFORM pg_sleep({COMMIT_DELAY_S});")


async def refused_commits(live: LiveServer, table: str, errcode: str = "check_violation") -> None:
    await install_commit_trigger(
        live, table, f"RAISE EXCEPTION 'refused at commit' USING ERRCODE = '{errcode}';"
    )


async def stored_name(live: LiveServer, spec: CollectionSpec, id: str) -> str | None:
    """The row's name as another connection reads it, or None when it has no such row."""
    return await live.fetchval(f"SELECT name FROM {spec.entity} WHERE accession_id = $1", uuid.UUID(id))


async def busy_connections_end(live: LiveServer, within_s: float) -> bool:
    """Whether every connection to the server's database is idle (none in a transaction, none running
    a statement) at some moment within ``within_s`` seconds."""
    deadline = time.monotonic() + within_s
    async with live.connection() as observer:
        while time.monotonic() < deadline:
            busy = await observer.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            if busy == 0:
                return True
            await asyncio.sleep(0.05)
    return False


async def rows(live: LiveServer, spec: CollectionSpec) -> int:
    return int(await live.fetchval(f"SELECT count(*) FROM {spec.entity}"))


@pytest.mark.parametrize("spec", COLLECTIONS, ids=str)
async def test_a_created_row_is_read_at_once_by_another_connection(
    spec: CollectionSpec, live_server: LiveServer, live_client: httpx.AsyncClient
) -> None:
    body = await live_server.arrange(spec.body)
    await slow_commits(live_server, spec.entity)

    response = await live_client.post(spec.url, json=body)

    assert response.status_code == 201, response.text
    assert await stored_name(live_server, spec, response.json()["accession_id"]) == response.json()["name"]


@pytest.mark.parametrize("spec", COLLECTIONS, ids=str)
async def test_an_update_is_read_at_once_by_another_connection(
    spec: CollectionSpec, live_server: LiveServer, live_client: httpx.AsyncClient
) -> None:
    created = await live_client.post(spec.url, json=await live_server.arrange(spec.body))
    id = created.json()["accession_id"]
    await slow_commits(live_server, spec.entity)

    response = await live_client.patch(spec.item(id), json={"name": "renamed"})

    assert response.status_code == 200, response.text
    assert await stored_name(live_server, spec, id) == "renamed"


@pytest.mark.parametrize("spec", COLLECTIONS, ids=str)
async def test_a_commit_the_database_refuses_gets_no_2xx_and_leaves_nothing(
    spec: CollectionSpec, live_server: LiveServer, live_client: httpx.AsyncClient
) -> None:
    kept = (await live_client.post(spec.url, json=await live_server.arrange(spec.body))).json()
    body = await live_server.arrange(spec.body)
    await refused_commits(live_server, spec.entity)

    created = await live_client.post(spec.url, json=body)
    renamed = await live_client.patch(spec.item(kept["accession_id"]), json={"name": "renamed"})

    for response in (created, renamed):
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "conflict"
        assert "refused when it was committed" in response.json()["detail"]
    assert await rows(live_server, spec) == 1
    assert await stored_name(live_server, spec, kept["accession_id"]) == kept["name"]


async def test_a_commit_that_fails_for_another_reason_is_a_500_and_leaves_nothing(
    live_server: LiveServer, live_client: httpx.AsyncClient
) -> None:
    await refused_commits(live_server, "workcell", errcode="P0001")

    response = await live_client.post(WORKCELLS.url, json={"name": "never stored"})

    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert await rows(live_server, WORKCELLS) == 0


async def test_a_client_that_stops_reading_holds_no_database_connection(live_server: LiveServer) -> None:
    """The transaction ends before the first byte of the response: a reader that stalls mid-body
    (a slow phone, a dead peer) costs the server a socket, not a pooled database connection."""
    state = {"log": "x" * 60_000}
    await live_server.arrange(lambda repos: repos.workcell.create_batch(200, latest_state=state))
    authorization = bearer(await committed_token(live_server.database_url))["Authorization"]
    host, port = live_server.url.removeprefix("http://").split(":")
    reader = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window, read slowly
    reader.setblocking(False)
    loop = asyncio.get_running_loop()
    try:
        await loop.sock_connect(reader, (host, int(port)))
        request = f"GET {WORKCELLS.url}?limit=200 HTTP/1.1\r\nHost: {host}\r\nAuthorization: {authorization}\r\n\r\n"
        # Two requests on the keep-alive connection: the server writes the second answer only once
        # the first has drained to the client, so the second waits on the stalled reader.
        await loop.sock_sendall(reader, request.encode() * 2)
        first = await loop.sock_recv(reader, 64)  # the response has started ...
        assert first.startswith(b"HTTP/1.1 200")
        # ... and stalls. The server answers the second request only once the first has drained, so
        # it now waits on this client; the database must not wait with it. (On a busy machine the
        # second request's own statements may still be running: give them time to finish.)
        assert await busy_connections_end(live_server, within_s=10.0)

        received = bytearray(first)
        while b"\r\n\r\n" not in received:
            received.extend(await loop.sock_recv(reader, 1 << 16))
        head, _, body = bytes(received).partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        rest = bytearray(body)
        while len(rest) < length:
            rest.extend(await loop.sock_recv(reader, 1 << 20))
        body = bytes(rest[:length])
    finally:
        reader.close()
    assert len(body) > 10_000_000  # far more than any socket buffer holds: the server was mid-body
    assert len(json.loads(body)) == 200
