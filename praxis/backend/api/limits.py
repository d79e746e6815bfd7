"""The limits on what a request may be, in one place.

=========================  ==============================  ============================================
limit                      default (setting)               answer
=========================  ==============================  ============================================
request body size          1 MiB (``max_body_bytes``)      413, before the body is parsed
an output's file           16 MiB (``max_file_bytes``)     413, before the body is read
request body read time     30 s (``body_timeout``)         408 and the connection closed
request head read time     10 s (``head_timeout``)         408 and the connection closed (serve)
request head size          16 KiB (``max_head_bytes``)     414 (request line) / 431, connection closed
idle keep-alive            5 s (``keep_alive_timeout``)    the connection closed (serve)
JSON field size            64 KiB (``MAX_JSON_BYTES``)     422 naming the field
JSON field nesting         32 levels (``MAX_JSON_DEPTH``)  422 naming the field
names / fqns               255 / 500 characters            422 naming the field
free text                  10,000 characters               422 naming the field
list page                  500 rows (``limit``)            422 naming ``limit``
=========================  ==============================  ============================================

The settings are ``PRAXIS_*`` environment variables (``praxis.backend.settings``); "(serve)" marks the
limits of ``praxis serve``'s HTTP server (``praxis.backend.api.server``), the others hold wherever the
app runs. The field limits are in the OpenAPI document too (``maxLength``, descriptions).

``BodySizeLimit`` stops a multi-megabyte body before it is parsed at all, with 413 and the API's
error shape: a declared ``Content-Length`` over the limit is refused at once; a body without one
(chunked) is read up to the limit and refused as soon as it passes it. FastAPI's own
``max_body_size`` (0.164) is not used: it refuses a declared-too-large body only when the route reads
it, or when the route's response starts, so a ``DELETE`` with a large body would be committed and then
answered 413, in plain text (``test_a_delete_with_a_body_over_the_limit_is_refused_before_it_runs``).
``BodyReadTimeout`` gives the whole body a deadline, so a client that declares 100 bytes and sends 2
does not hold a connection (and a request's resources) for ever.

``HeadSizeLimit`` measures each request head (its line and headers, as sent) whatever way it arrived:
uvicorn's own bound (``h11_max_incomplete_event_size``) only catches a head still incomplete after a
read, so a 100 KiB head sent in one write passed it. Both answer alike (``head_refusal``): 414 URI Too
Long when the request line alone passes the limit (a query string too long: what a client can shorten),
else 431 Request Header Fields Too Large. Any operation can meet either, so the OpenAPI document lists
both on every one.
"""

from __future__ import annotations

import asyncio
import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from praxis.backend.api.asgi import TrackedSend
from praxis.backend.api.errors import error_response

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


#: an output's file (``PUT /api/v1/outputs/{id}/file``): the one body allowed to be larger
FILE_UPLOAD = re.compile(r"^/api/v1/outputs/[^/]+/file$")


class BodySizeLimit:
    def __init__(
        self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES, max_file_bytes: int | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_file_bytes = max_file_bytes if max_file_bytes is not None else max_bytes

    def limit(self, scope: Scope) -> int:
        if scope.get("method") == "PUT" and FILE_UPLOAD.match(scope.get("path", "")):
            return self.max_file_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return

        if declared is not None:
            await self.app(scope, receive, send)
            return
        # No declared length (a chunked body): read it here, up to the limit, then replay it.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(scope, receive, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        detail = f"request body is larger than {limit} bytes"
        await error_response(413, "payload_too_large", detail)(scope, receive, send)


class BodyReadTimeout:
    """A deadline for the whole request body, counted from the first time the app asks for it.

    Only the body's: once it is complete, waiting on ``receive`` (a streamed response listening for
    the client's disconnect, as the run event streams do for hours) has no deadline.

    A late body raises a 408 ``HTTPException`` from ``receive``: where the app reads the body the
    API's handler answers it; where a middleware does (``BodySizeLimit`` on a chunked body), the
    408 is answered here. Either way with ``Connection: close``: the rest of the body may yet come,
    and must not be read as the next request.
    """

    def __init__(self, app: ASGIApp, seconds: float = 30.0) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        tracked = TrackedSend(send)

        complete = False

        async def receive_in_time() -> Message:
            nonlocal deadline, complete
            if complete:  # the body is in: what comes next is a disconnect, which may take hours (a stream)
                return await receive()
            if deadline is None:
                deadline = loop.time() + self.seconds
            try:
                message = await asyncio.wait_for(receive(), timeout=max(deadline - loop.time(), 0))
                complete = message["type"] != "http.request" or not message.get("more_body", False)
                return message
            except TimeoutError:
                raise HTTPException(
                    408,
                    f"the request body was not received within {self.seconds:g} s",
                    {"Connection": "close"},
                ) from None

        try:
            await self.app(scope, receive_in_time, tracked)
        except HTTPException as exc:
            if exc.status_code != 408 or tracked.started:
                raise
            response = error_response(408, "request_timeout", exc.detail, headers={"Connection": "close"})
            await response(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that hands out ``messages`` first, then defers to the real one (for disconnects)."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


class HeadSizeLimit:
    """414 or 431 (``head_refusal``) for a request whose head (line and header lines) is over ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int = 16 * 1024) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and head_size(scope) > self.max_bytes:
            status, code, detail = head_refusal(request_line_size(scope), self.max_bytes)
            response = error_response(status, code, detail, headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def head_refusal(request_line_bytes: int, max_bytes: int) -> tuple[int, str, str]:
    """The status, code and text for a request head over ``max_bytes`` (RFC 9110 15.5.15, RFC 6585 5).

    414 when the request line alone is over the limit: its target (path and query) is what the
    client must shorten. Otherwise the header fields pushed the head over: 431.
    """
    if request_line_bytes > max_bytes:
        return (
            414,
            "uri_too_long",
            f"the request line (method, path and query string) is longer than {max_bytes} bytes",
        )
    return (
        431,
        "request_header_fields_too_large",
        f"the request head (request line and header fields) is larger than {max_bytes} bytes",
    )


def request_line_size(scope: Scope) -> int:
    """The bytes of ``METHOD target HTTP/x.y\r\n``."""
    target = len(scope.get("raw_path") or scope["path"].encode()) + (
        1 + len(scope["query_string"]) if scope.get("query_string") else 0
    )
    return len(scope["method"]) + 1 + target + len(" HTTP/") + len(scope.get("http_version", "1.1")) + 2


def head_size(scope: Scope) -> int:
    """The bytes of the request line, each ``name: value\r\n`` and the blank line."""
    headers = sum(len(name) + 2 + len(value) + 2 for name, value in scope.get("headers") or [])
    return request_line_size(scope) + headers + 2
