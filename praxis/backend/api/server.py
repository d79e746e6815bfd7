"""The HTTP server ``praxis serve`` runs: uvicorn on the app, configured in this one place, with
timeouts for slow or stalled clients.

The live tier of the test suite runs the very same server (on a free port of 127.0.0.1), so what it
shows about connections, timeouts and the unit of work is what a deployment does.

uvicorn closes an idle keep-alive connection (``timeout_keep_alive``) and bounds the size of a
request head (``h11_max_incomplete_event_size``), but it waits for ever on a client that opens a
connection and sends its head a byte at a time, or never finishes it. ``HeadTimeoutH11Protocol``
gives each request head a deadline; the body's deadline is ``praxis.backend.api.limits.BodyReadTimeout``.
All these limits are listed in ``praxis.backend.api.limits``.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from praxis.backend.api.app import create_app
from praxis.backend.api.limits import head_refusal
from praxis.backend.settings import Settings


def raw_error_response(status: int, code: str, detail: str) -> bytes:
    """A whole HTTP/1.1 error response in the API's error shape, closing the connection: for what the
    protocol answers itself, before (or without) a request reaching the app."""
    body = json.dumps({"detail": detail, "code": code}, separators=(",", ":")).encode()
    return (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\ncontent-type: application/json\r\n"
        f"connection: close\r\ncontent-length: {len(body)}\r\n\r\n"
    ).encode() + body


REQUEST_TIMEOUT_RESPONSE = raw_error_response(
    408, "request_timeout", "the request head was not received in time"
)


class HeadTimeoutH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with a deadline for each request head (line and headers).

    The deadline starts when the connection opens, and again when a response completes (for the
    next request on a keep-alive connection, after the keep-alive wait: an idle connection is closed
    silently by that first). Data arriving does not reset it: a head trickled in a byte at a time
    gets no longer than one sent at once. A head late past it gets 408 and the connection is closed.
    """

    head_timeout: float = 10.0
    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline(self.head_timeout)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_deadline(self.timeout_keep_alive + self.head_timeout)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request head arrived whole
            self._cancel_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a head it cannot parse or that outgrew a read, in the API's error shape
        (uvicorn's own is a plain-text 400 for both). A head over the size limit gets what the app's
        ``HeadSizeLimit`` gives one that arrived in a single read: 414 or 431, by ``head_refusal``."""
        buffered, _ = self.conn.trailing_data
        limit = self.config.h11_max_incomplete_event_size or 16 * 1024  # uvicorn's default when unset
        if len(buffered) > limit:
            line_end = buffered.find(b"\r\n")
            status, code, detail = head_refusal(len(buffered) if line_end == -1 else line_end + 2, limit)
        else:
            status, code, detail = 400, "bad_request", "the request is not HTTP/1.1 this server can read"
        self.transport.write(raw_error_response(status, code, detail))
        self.transport.close()

    def _arm_head_deadline(self, seconds: float) -> None:
        self._cancel_head_deadline()
        self._head_deadline = self.loop.call_later(seconds, self._head_timed_out)

    def _cancel_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered: the body's deadline and the app own it now
        self.transport.write(REQUEST_TIMEOUT_RESPONSE)
        self.transport.close()


def protocol_for(settings: Settings) -> type[H11Protocol]:
    return type("PraxisH11Protocol", (HeadTimeoutH11Protocol,), {"head_timeout": settings.head_timeout})


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn settings ``praxis serve`` (and the live test tier) run the app with."""
    return {
        "http": protocol_for(settings),
        "timeout_keep_alive": settings.keep_alive_timeout,
        "h11_max_incomplete_event_size": settings.max_head_bytes,
    }


class Server(uvicorn.Server):
    """uvicorn's server, telling ``on_listening`` the address it listens on once it does: with port 0
    the system picks a free port as the socket is bound, and this is how the caller learns which."""

    def __init__(
        self, config: uvicorn.Config, on_listening: Callable[[str, int], None] | None = None
    ) -> None:
        super().__init__(config)
        self.on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self.on_listening is not None:
            self.on_listening(*self.address())

    def address(self) -> tuple[str, int]:
        """The host and port the server listens on (once started)."""
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        return str(host), int(port)


def http_server(
    settings: Settings,
    *,
    database_url: str,
    host: str,
    port: int,
    on_listening: Callable[[str, int], None] | None = None,
    **options: Any,
) -> Server:
    """A uvicorn server for the app on ``database_url``; ``port=0`` takes a free port, which
    ``on_listening(host, port)`` is told. ``options``: more ``uvicorn.Config`` settings (the tests
    turn logging down and bound the shutdown)."""
    config = uvicorn.Config(
        create_app(settings, database_url=database_url),
        host=host,
        port=port,
        **{**uvicorn_options(settings), **options},
    )
    return Server(config, on_listening)
