"""What the child process tells its parent, and what the parent tells the child: one JSON object per
line on a pipe of their own (never the child's stdout, which the protocol may fill with prints).

Each message is a plain dict with a ``type``; the constructors below are the only place that spells the
keys, and ``MessageWriter`` the only place that writes them.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = ["Control", "MessageWriter", "decode", "now_iso"]

Control = Literal["pause", "resume", "cancel"]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def call_started(
    seq: int, parent_seq: int | None, function_name: str, fqn: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "call_started",
        "seq": seq,
        "parent_seq": parent_seq,
        "function_name": function_name,
        "fqn": fqn,
        "arguments": arguments,
        "started_at": now_iso(),
    }


def call_ended(
    seq: int,
    status: str,
    *,
    return_value: Any = None,
    error_message: str | None = None,
    error_traceback: str | None = None,
    duration_ms: float,
) -> dict[str, Any]:
    return {
        "type": "call_ended",
        "seq": seq,
        "status": status,
        "return_value": return_value,
        "error_message": error_message,
        "error_traceback": error_traceback,
        "ended_at": now_iso(),
        "duration_ms": duration_ms,
    }


def output(values: dict[str, Any]) -> dict[str, Any]:
    return {"type": "output", **values, "measured_at": values.get("measured_at") or now_iso()}


#: a log line's text is cut to this many characters
LOG_MESSAGE_CHARS = 2000


def log(level: str, logger: str, message: str, call_seq: int | None) -> dict[str, Any]:
    return {
        "type": "log",
        "level": level,
        "logger": logger,
        "message": message[:LOG_MESSAGE_CHARS],
        "call_seq": call_seq,
        "at": now_iso(),
    }


def progress(done: int, total: int, label: str | None) -> dict[str, Any]:
    return {"type": "progress", "done": done, "total": total, "label": label, "at": now_iso()}


def state(which: Literal["initial", "final"], value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "state", "which": which, "state": value}


def paused() -> dict[str, Any]:
    return {"type": "paused"}


def resumed() -> dict[str, Any]:
    return {"type": "resumed"}


def finished(
    status: Literal["completed", "failed", "cancelled"],
    *,
    error_message: str | None = None,
    error_traceback: str | None = None,
) -> dict[str, Any]:
    return {
        "type": "finished",
        "status": status,
        "error_message": error_message,
        "error_traceback": error_traceback,
    }


def decode(line: bytes) -> dict[str, Any]:
    message = json.loads(line)
    if not isinstance(message, dict) or "type" not in message:
        raise ValueError(f"not a message: {line[:200]!r}")
    return message


class MessageWriter:
    """Writes messages to a file descriptor, whole lines only, from any thread of the child."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message, default=str, separators=(",", ":")) + "\n").encode()
        with self._lock:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
