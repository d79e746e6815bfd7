"""HEAD wherever GET is served.

FastAPI routes answer only the methods they declare, so a HEAD on a GET route was a 405. HTTP says
a server that has GET has HEAD: the same status and headers, no body. Handled here, once, instead of
a second (undocumented) route beside every GET.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from praxis.backend.api.errors import error_response


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        # a copy: the server keeps its own scope, which must still say HEAD
        await self.app({**scope, "method": "GET"}, receive, without_body)


class NoTrailingNewline:
    """A path ending in a newline (``/decks/types/%0A``) names no route.

    Starlette matches paths with Python's ``$``, which also matches before a final ``\\n``: without
    this, ``/decks/types/%0A`` would answer as ``/decks/types/``. A 404 in the API's shape instead.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith("\n"):
            await error_response(404, "not_found", "Not Found")(scope, receive, send)
            return
        await self.app(scope, receive, send)
