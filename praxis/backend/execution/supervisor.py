"""Starting the child process, reading what it says, and ending it: its death, hang or flood of output
costs its own run or discovery, never the process that started it.

The child is a fresh interpreter (``python -m praxis.backend.execution.runner``: spawned, never forked
from a running event loop), in a session of its own so that ending it ends whatever it started. It
reports on a pipe of its own; its stdout and stderr are drained continuously and only their last
``TAIL_BYTES`` kept, so a protocol printing megabytes neither blocks nor grows the parent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from praxis.backend.execution.messages import decode

__all__ = ["Child", "describe_exit"]

TAIL_BYTES = 8 * 1024
#: one message's largest size (bounded arguments and values make real ones far smaller)
LINE_LIMIT = 16 * 1024 * 1024


class Child:
    """One child process: ``async with Child(spec) as child: async for message in child.messages(): ...``"""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.process: asyncio.subprocess.Process | None = None
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self._control_w: int | None = None
        self._reader: asyncio.StreamReader | None = None
        self._drain: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Child:
        loop = asyncio.get_running_loop()
        message_r, message_w = os.pipe()
        control_r, control_w = os.pipe()
        spec = {**self.spec, "message_fd": message_w, "control_fd": control_r, "parent_pid": os.getpid()}
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "praxis.backend.execution.runner",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                pass_fds=(message_w, control_r),
                start_new_session=True,
            )
        finally:
            os.close(message_w)
            os.close(control_r)
        self._control_w = control_w
        os.set_blocking(control_w, False)
        reader = self._reader = asyncio.StreamReader(limit=LINE_LIMIT)
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(message_r, "rb", buffering=0)
        )
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(spec).encode())
        await self.process.stdin.drain()
        self.process.stdin.close()
        self._drain = asyncio.create_task(self._keep_tail())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.kill()
        if self._drain is not None:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain
        if self._control_w is not None:
            with contextlib.suppress(OSError):
                os.close(self._control_w)
            self._control_w = None

    async def _keep_tail(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while chunk := await self.process.stdout.read(64 * 1024):
            self._tail.append(chunk)
            self._tail_size += len(chunk)
            while self._tail_size - len(self._tail[0]) >= TAIL_BYTES:
                self._tail_size -= len(self._tail.popleft())

    def output_tail(self) -> str:
        return b"".join(self._tail)[-TAIL_BYTES:].decode(errors="replace")

    async def messages(self) -> AsyncIterator[dict[str, Any]]:
        """The child's messages until it closes its end (it exited, or was ended)."""
        assert self._reader is not None
        while True:
            try:
                line = await self._reader.readline()
            except (ValueError, asyncio.LimitOverrunError):
                yield {"type": "broken", "error": f"a message over {LINE_LIMIT} bytes"}
                return
            if not line:
                return
            try:
                yield decode(line)
            except ValueError as error:
                yield {"type": "broken", "error": str(error)}
                return

    def send(self, control: str) -> None:
        """A pause, resume or cancel for the child; dropped if it is gone."""
        if self._control_w is not None:
            with contextlib.suppress(OSError):
                os.write(self._control_w, f"{control}\n".encode())

    async def wait(self) -> int:
        """The exit status (negative: the signal that ended it)."""
        assert self.process is not None
        return await self.process.wait()

    async def kill(self) -> None:
        """End the child and everything it started (its process group)."""
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        await self.process.wait()


def describe_exit(status: int | None) -> str:
    """How a child ended, in words a run's ``status_details`` can carry."""
    if status is None:
        return "still running"
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return f"the protocol's process was ended by {name}"
    return f"the protocol's process exited with status {status}"
