"""``praxis serve``'s deadlines for slow or stalled clients, and a keep-alive connection after a 500,
over a real socket to the production server (short deadlines, so the tests do not wait long).

No timings are asserted: each test checks what the client gets (a 408 with ``Connection: close``, then
the end of the connection), with a socket timeout far above the deadline only so that a server without
the deadline fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from praxis.backend.services.workcell import WorkcellService
from praxis.backend.settings import Settings
from tests.harness.auth import bearer, committed_token
from tests.harness.live import LiveServer, running_server

DEADLINE_S = 1.0
SOCKET_TIMEOUT_S = 30.0


@pytest.fixture
def impatient_server(committed_database: str) -> Iterator[LiveServer]:
    settings = Settings(head_timeout=DEADLINE_S, body_timeout=DEADLINE_S, keep_alive_timeout=1)
    with running_server(committed_database, settings) as server:
        yield server


def connect(server: LiveServer) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=SOCKET_TIMEOUT_S)
    return connection


def read_all(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def read_response(connection: socket.socket) -> tuple[bytes, bytes]:
    """One response with a Content-Length: its head and its body."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head, body


def test_a_body_shorter_than_declared_gets_408_and_the_connection_closed(
    impatient_server: LiveServer,
) -> None:
    with connect(impatient_server) as connection:
        connection.sendall(
            b"POST /api/v1/workcells HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{}"
        )

        answer = read_all(connection)

    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"connection: close" in answer.lower()
    assert b'"code":"request_timeout"' in answer


def test_a_chunked_body_that_stalls_gets_408(impatient_server: LiveServer) -> None:
    with connect(impatient_server) as connection:
        connection.sendall(
            b"POST /api/v1/workcells HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n"
        )

        answer = read_all(connection)

    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"connection: close" in answer.lower()


@pytest.mark.parametrize(
    "head",
    [b"", b"GET /health HTTP/1.1\r\n", b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "],
    ids=["nothing", "request-line-only", "headers-unfinished"],
)
def test_a_request_head_that_never_ends_gets_408_and_the_connection_closed(
    impatient_server: LiveServer, head: bytes
) -> None:
    with connect(impatient_server) as connection:
        connection.sendall(head)

        answer = read_all(connection)

    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"connection: close" in answer.lower()


def test_an_idle_keep_alive_connection_is_closed_after_its_answer(impatient_server: LiveServer) -> None:
    with connect(impatient_server) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head, _ = read_response(connection)

        rest = read_all(connection)

    assert head.startswith(b"HTTP/1.1 200 ")
    assert rest == b""  # closed by the server, having sent nothing more


async def test_a_500_leaves_the_keep_alive_connection_usable(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected error is the logged 500 in the API's shape; the connection then serves the next
    request (it is not dropped without a ``Connection: close``)."""

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(WorkcellService, "list", broken)
    authorization = bearer(await committed_token(live_server.database_url))["Authorization"]
    with connect(live_server) as connection:
        connection.sendall(
            f"GET /api/v1/workcells HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {authorization}\r\n\r\n".encode()
        )
        failed_head, failed_body = read_response(connection)
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        next_head, next_body = read_response(connection)

    assert failed_head.startswith(b"HTTP/1.1 500 ")
    assert b'"code":"internal_error"' in failed_body
    assert b"a bug" not in failed_body
    assert next_head.startswith(b"HTTP/1.1 200 ")
    assert b'"status":"ok"' in next_body


def refusal(answer: bytes) -> tuple[bytes, dict[str, object]]:
    """The status line and JSON body of a response that ends the connection."""
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), answer[:300]
    assert b"connection: close" in head.lower(), answer[:300]
    return head.split(b"\r\n", 1)[0], json.loads(body)


def send_in_pieces(connection: socket.socket, data: bytes, piece: int) -> None:
    """``data`` in writes of ``piece`` bytes, each waited for: the server reads a part of the head at a
    time, so uvicorn's own bound on an incomplete head is what refuses it."""
    for start in range(0, len(data), piece):
        try:
            connection.sendall(data[start : start + piece])
        except (BrokenPipeError, ConnectionResetError):
            return  # refused before the rest was sent
        time.sleep(0.01)


#: heads over the 16 KiB limit: the probe's header fields of 17 and 100 KiB (431), and what the
#: outside fuzzer sent, a query parameter far over its length, percent-encoded (414)
OVERSIZED_HEADS = {
    "header-17-kib": (
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"x" * 17 * 1024 + b"\r\n\r\n",
        431,
        "request_header_fields_too_large",
    ),
    "header-100-kib": (
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"x" * 100 * 1024 + b"\r\n\r\n",
        431,
        "request_header_fields_too_large",
    ),
    "query-string": (
        b"GET /api/v1/workcells?name=" + b"%C3%A9" * 4000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        414,
        "uri_too_long",
    ),
}


@pytest.mark.parametrize("head", OVERSIZED_HEADS)
@pytest.mark.parametrize("writes", ["one-write", "in-pieces"])
def test_a_head_over_the_limit_gets_414_for_its_request_line_else_431(
    live_server: LiveServer, head: str, writes: str
) -> None:
    """Whole in one read (the app's ``HeadSizeLimit`` answers) or arriving a part at a time (uvicorn's
    bound answers): the same answer either way."""
    request, expected_status, expected_code = OVERSIZED_HEADS[head]
    with connect(live_server) as connection:
        if writes == "one-write":
            connection.sendall(request)
        else:
            send_in_pieces(connection, request, 4096)
        answer = read_all(connection)

    status, body = refusal(answer)
    assert status.startswith(f"HTTP/1.1 {expected_status} ".encode()), status
    assert body["code"] == expected_code


def test_a_head_that_is_not_http_gets_400_in_the_api_shape(live_server: LiveServer) -> None:
    with connect(live_server) as connection:
        connection.sendall(b"HELLO THERE\r\n\r\n")
        answer = read_all(connection)

    status, body = refusal(answer)
    assert status.startswith(b"HTTP/1.1 400 "), status
    assert body["code"] == "bad_request"


def test_a_head_just_under_the_limit_is_served(live_server: LiveServer) -> None:
    padding = b"x" * (15 * 1024)
    with connect(live_server) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + padding + b"\r\n\r\n")
        head, _ = read_response(connection)

    assert head.startswith(b"HTTP/1.1 200 ")
