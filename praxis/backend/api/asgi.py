"""A small ASGI piece the middlewares share."""

from __future__ import annotations

from starlette.types import Message, Send


class TrackedSend:
    """``send``, remembering whether the response has started: until it has, a middleware may still
    answer an error in the request's place; after, nothing more can be said on that connection."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)
