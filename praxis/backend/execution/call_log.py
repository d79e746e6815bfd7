"""A run's calls, outputs, log lines and progress, from the child's messages to batched rows.

The child reports each call twice (started, ended) and may record outputs at any time. Rows are
written in batches, each one unit of work: a call that started and ended between two writes is
inserted once, already ended; one still running is inserted ``running`` and updated when it ends.
Calls go before the outputs that refer to them, parents before children.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from praxis.backend.db.base import new_id
from praxis.backend.models.orm.data_output import file_columns

__all__ = ["CallLog"]

Rows = list[dict[str, Any]]
#: (calls new, calls ended, outputs, events the worker writes: (kind, data)) -> one unit of work
Events = list[tuple[str, dict[str, Any]]]
Write = Callable[[Rows, Rows, Rows, Events], Awaitable[None]]

_OUTPUT_COLUMNS = (
    "name",
    "data_type",
    "numeric_value",
    "json_value",
    "text_value",
    "unit",
    "resource_id",
    "machine_id",
    "well_name",
    "data_quality_score",
    "spatial_context",
)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _file_columns(file: Mapping[str, Any] | None) -> dict[str, Any]:
    """The columns that describe an output's file (every row has them: one multi-row INSERT), and the
    bytes under ``file_data`` (stored apart by ``RunExecutionService.record``), with the output's id."""
    if not file:
        return file_columns(None)
    data = base64.b64decode(file["data"])
    return {
        "accession_id": new_id(),
        **file_columns(data, str(file["name"]), str(file["content_type"])),
        "file_data": data,
    }


class CallLog:
    def __init__(self, run_id: uuid.UUID, write: Write) -> None:
        self.run_id = run_id
        self._write = write
        self._ids: dict[int, uuid.UUID] = {}
        self._new: dict[int, dict[str, Any]] = {}
        self._ended: list[dict[str, Any]] = []
        self._outputs: list[dict[str, Any]] = []
        self._events: Events = []
        self.calls = 0
        #: one flush at a time: the worker flushes on a timer and when enough has come in, and a batch
        #: written beside an earlier one still under way (or put back after failing) could name a
        #: parent call not yet stored, or end a call whose row is not there to update
        self._flushing = asyncio.Lock()

    def pending(self) -> int:
        return len(self._new) + len(self._ended) + len(self._outputs) + len(self._events)

    def add(self, message: Mapping[str, Any]) -> None:
        kind = message["type"]
        if kind == "call_started":
            self.calls += 1
            seq = message["seq"]
            self._ids[seq] = new_id()
            parent = message.get("parent_seq")
            self._new[seq] = {
                "accession_id": self._ids[seq],
                "protocol_run_id": self.run_id,
                "sequence": seq,
                "function_name": str(message["function_name"])[:255],
                "fqn": str(message["fqn"])[:500],
                "arguments": message.get("arguments") or {},
                "status": "running",
                "started_at": _time(message.get("started_at")),
                "parent_function_call_log_id": self._ids.get(parent) if parent is not None else None,
                "return_value": None,
                "error_message": None,
                "error_traceback": None,
                "ended_at": None,
                "duration_ms": None,
            }
        elif kind == "call_ended":
            seq = message["seq"]
            end = {
                "status": message["status"],
                "return_value": message.get("return_value"),
                "error_message": message.get("error_message"),
                "error_traceback": message.get("error_traceback"),
                "ended_at": _time(message.get("ended_at")),
                "duration_ms": message.get("duration_ms"),
            }
            if seq in self._new:
                self._new[seq].update(end)
            elif seq in self._ids:
                self._ended.append({"accession_id": self._ids[seq], **end})
        elif kind == "log":
            seq = message.get("call_seq")
            line = {key: message[key] for key in ("level", "logger", "message", "at")}
            self._events.append(
                ("log", {**line, "call_id": str(self._ids[seq]) if seq in self._ids else None})
            )
        elif kind == "progress":
            data = {key: message[key] for key in ("done", "total", "label", "at")}
            if self._events and self._events[-1][0] == "progress":
                self._events[-1] = ("progress", data)  # only the latest of a batch: a bar shows no more
            else:
                self._events.append(("progress", data))
        elif kind in ("output", "outputs"):
            rows = message["outputs"] if kind == "outputs" else [message]
            measured = _time(message.get("measured_at"))
            for row in rows:
                seq = row.get("call_seq")
                self._outputs.append(
                    {
                        **{column: row.get(column) for column in _OUTPUT_COLUMNS},
                        "spatial_context": row.get("spatial_context") or {},
                        "protocol_run_id": self.run_id,
                        "function_call_id": self._ids.get(seq) if seq is not None else None,
                        "measured_at": measured,
                        **_file_columns(row.get("file")),
                    }
                )

    async def flush(self) -> None:
        """Write what has come in, in the order it came, after any flush under way; on failure nothing
        is lost (the next flush writes it, before anything that came in since)."""
        async with self._flushing:
            if not self.pending():
                return
            new, ended, outputs, events = list(self._new.values()), self._ended, self._outputs, self._events
            self._new, self._ended, self._outputs, self._events = {}, [], [], []
            try:
                await self._write(new, ended, outputs, events)
            except BaseException:
                self._new = {row["sequence"]: row for row in new} | self._new
                self._ended = ended + self._ended
                self._outputs = outputs + self._outputs
                self._events = events + self._events
                raise
