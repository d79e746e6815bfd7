"""What a running protocol sees: ``current_run()`` returns its ``RunContext``.

A context, not a parameter: a helper three calls deep records an output attached to *its* call without
the context being passed down, and a protocol's signature stays what its users fill in. Outside a run
(a protocol called in a test, or from a notebook) ``current_run()`` raises, unless the caller opened
``recording_run()``, which collects calls and outputs in memory: no database, no child process.

Only the standard library here: this module is imported by protocol files and by the child process,
which must stay cheap to start and never load SQLAlchemy.
"""

from __future__ import annotations

import base64
import contextvars
import math
import mimetypes
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from praxis.backend.execution import messages
from praxis.backend.execution.errors import RunCancelled

__all__ = ["ControlState", "RunContext", "current_run", "recording_run", "well_name"]

ROWS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class ControlState:
    """Pause, resume and cancel as the parent sent them, read at each decorated call.

    Set from the thread that reads the control pipe; ``checkpoint`` runs on the protocol's thread and
    blocks there while the run is paused (the protocol is stopped between two calls, as asked).
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.pause_requested = False
        self.cancel_requested = False

    def request(self, control: str) -> None:
        with self._condition:
            if control == "pause":
                self.pause_requested = True
            elif control == "resume":
                self.pause_requested = False
            elif control == "cancel":
                self.cancel_requested = True
            self._condition.notify_all()

    def checkpoint(self, send: Callable[[dict[str, Any]], None]) -> None:
        """Raise ``RunCancelled`` if cancelled; wait here while paused (telling the parent)."""
        with self._condition:
            if self.pause_requested and not self.cancel_requested:
                send(messages.paused())
                while self.pause_requested and not self.cancel_requested:
                    self._condition.wait()
                if not self.cancel_requested:
                    send(messages.resumed())
            if self.cancel_requested:
                raise RunCancelled("the run was cancelled")


@dataclass(frozen=True)
class RunContext:
    """The run a protocol executes in: its inputs, its machines and labware, and where outputs go."""

    run_id: str
    inputs: Mapping[str, Any]
    #: each asset parameter's PyLabRobot object, by parameter name
    assets: Mapping[str, Any]
    simulation: bool = True
    #: the asset records behind the objects, by the object's name: {"id", "kind", "name"}
    asset_records: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    _send: Callable[[dict[str, Any]], None] = field(default=lambda message: None, repr=False)
    _control: ControlState = field(default_factory=ControlState, repr=False)
    _current_call: Callable[[], int | None] = field(default=lambda: None, repr=False)
    #: the largest file an output may carry from this run (the server's limit, and the message pipe's)
    max_file_bytes: int = 8 * 1024 * 1024

    def should_cancel(self) -> bool:
        """Whether the run was asked to stop; a long loop without decorated calls can check this."""
        return self._control.cancel_requested

    def checkpoint(self) -> None:
        """A call boundary of the protocol's own choosing: pauses or cancels here when asked."""
        self._control.checkpoint(self._send)

    def progress(self, done: int, total: int, label: str | None = None) -> None:
        """Say how far the run has come: ``done`` of ``total`` steps (``label``: the step now). Watchers
        see a progress bar (``praxis run --follow``, the run page); the protocol decides what a step is."""
        if (
            isinstance(done, bool)
            or isinstance(total, bool)
            or not (isinstance(done, int) and isinstance(total, int))
        ):
            raise TypeError("progress takes whole numbers of steps: progress(done, total)")
        if total < 1 or not 0 <= done <= total:
            raise ValueError(f"progress({done}, {total}): needs 0 <= done <= total and total >= 1")
        self._send(messages.progress(done, total, None if label is None else str(label)[:200]))

    def record_output(
        self,
        name: str,
        value: Any,
        *,
        unit: str | None = None,
        labware: Any = None,
        well: Any = None,
        quality: float | None = None,
        file: bytes | str | os.PathLike[str] | None = None,
        file_name: str | None = None,
        content_type: str | None = None,
    ) -> None:
        """Record a datum of the run, attached to the current call: a number, a text, or any JSON
        value; ``labware`` (a PyLabRobot resource or its name) and ``well`` (a well or ``"A1"``) say
        where it was measured. ``file``: bytes, or the path of a file to read, that the output carries
        (a reader's export); ``file_name`` and ``content_type`` default to the path's name and the
        type its suffix suggests."""
        values = self._output_values(name, value, unit, labware, well, quality)
        if file is not None:
            values["file"] = self._file(file, file_name, content_type)
        self._send(messages.output(values))

    def _file(
        self, file: bytes | str | os.PathLike[str], file_name: str | None, content_type: str | None
    ) -> dict[str, Any]:
        if isinstance(file, bytes | bytearray):
            data, name = bytes(file), file_name or "file"
        else:
            path = Path(file)
            data, name = path.read_bytes(), file_name or path.name
        if not data:
            raise ValueError(f"the file {name!r} is empty")
        if len(data) > self.max_file_bytes:
            raise ValueError(
                f"the file {name!r} is {len(data)} bytes; an output's file may be at most {self.max_file_bytes}"
            )
        guessed = mimetypes.guess_type(name)[0]
        return {
            "name": name[:255],
            "content_type": content_type or guessed or "application/octet-stream",
            "data": base64.b64encode(data).decode("ascii"),
        }

    def record_plate(
        self,
        name: str,
        values: Sequence[Sequence[float | None]] | Mapping[str, float | None],
        *,
        plate: Any = None,
        unit: str | None = None,
    ) -> int:
        """Record a plate read in one call: ``values`` as rows of columns (``None`` for a well not
        read) or as a ``{"A1": value}`` mapping. Returns how many wells were recorded."""
        if isinstance(values, Mapping):
            cells = list(values.items())
        else:
            cells = [
                (f"{ROWS[r]}{c + 1}", value) for r, row in enumerate(values) for c, value in enumerate(row)
            ]
        rows = [
            self._output_values(name, value, unit, plate, well, None)
            for well, value in cells
            if value is not None and not (isinstance(value, float) and math.isnan(value))
        ]
        self._send({"type": "outputs", "outputs": rows, "measured_at": messages.now_iso()})
        return len(rows)

    def _output_values(
        self, name: str, value: Any, unit: str | None, labware: Any, well: Any, quality: float | None
    ) -> dict[str, Any]:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            kind, column = "json", "json_value"
        elif isinstance(value, str):
            kind, column = "text", "text_value"
        else:
            kind, column = "numeric", "numeric_value"
            value = float(value)
        labware_name = (
            labware if isinstance(labware, str) or labware is None else getattr(labware, "name", None)
        )
        record = self.asset_records.get(labware_name) if labware_name else None
        return {
            "name": name,
            "data_type": kind,
            column: value,
            "unit": unit,
            "call_seq": self._current_call(),
            "resource_id": record["id"] if record and record.get("kind") == "resource" else None,
            "machine_id": record["id"] if record and record.get("kind") == "machine" else None,
            "well_name": well_name(well),
            "data_quality_score": quality,
            "spatial_context": {"labware": labware_name} if labware_name else {},
        }


def well_name(well: Any) -> str | None:
    """``"A1"`` for a PyLabRobot well (whose ``name`` is ``"<plate>_well_A1"``) or a well name."""
    if well is None:
        return None
    if isinstance(well, str):
        return well
    identifier = getattr(well, "get_identifier", None)
    if callable(identifier):
        return str(identifier())
    return str(getattr(well, "name", well)).rsplit("_", 1)[-1]


_current: contextvars.ContextVar[RunContext | None] = contextvars.ContextVar("praxis_run", default=None)


def current_run() -> RunContext:
    """The run the calling protocol executes in."""
    context = _current.get()
    if context is None:
        raise LookupError(
            "no run is executing here: current_run() works inside a run (a worker's child process) or "
            "inside praxis.backend.protocols.recording_run()"
        )
    return context


def activate(context: RunContext) -> contextvars.Token[RunContext | None]:
    return _current.set(context)


@dataclass
class Recording:
    """What ``recording_run`` saw: every message a run would have sent, and views of them."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The decorated calls, each the started message merged with its end, in order."""
        ended = {m["seq"]: m for m in self.messages if m["type"] == "call_ended"}
        return [
            {**m, **{k: v for k, v in ended.get(m["seq"], {}).items() if k != "type"}}
            for m in self.messages
            if m["type"] == "call_started"
        ]

    @property
    def outputs(self) -> list[dict[str, Any]]:
        single = [m for m in self.messages if m["type"] == "output"]
        many = [o for m in self.messages if m["type"] == "outputs" for o in m["outputs"]]
        return single + many


@contextmanager
def recording_run(
    inputs: Mapping[str, Any] | None = None, assets: Mapping[str, Any] | None = None
) -> Iterator[Recording]:
    """Run protocol code outside a worker, recording its calls and outputs in memory: for testing a
    protocol function alone, against simulated PyLabRobot objects, with no database."""
    from praxis.backend.execution import tracing

    recording = Recording()
    tracer = tracing.Tracer(recording.messages.append)
    context = RunContext(
        run_id="recording",
        inputs=dict(inputs or {}),
        assets=dict(assets or {}),
        _send=recording.messages.append,
        _control=tracer.control,
        _current_call=tracer.current_seq,
    )
    token = activate(context)
    tracing_token = tracing.activate(tracer)
    try:
        yield recording
    finally:
        tracing.deactivate(tracing_token)
        _current.reset(token)
