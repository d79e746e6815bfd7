"""The child process: the only place protocol code runs (a run's, or discovery's imports).

``python -m praxis.backend.execution.runner`` reads one JSON spec on stdin and reports on the message
pipe named in it (``messages``); a run also reads pause/resume/cancel lines on its control pipe. It
limits its own memory first, imports protocol files only from inside their root (a file or an import
that resolves outside it is refused, naming it), and ends with ``os._exit`` so that threads a
protocol left running cannot keep it alive. Whatever the protocol does (raise, exit, print, loop,
crash) ends this process only; the parent turns that into the run's outcome.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import resource
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from praxis.backend.execution import assets, messages
from praxis.backend.execution.context import ControlState, RunContext, activate
from praxis.backend.execution.errors import RunCancelled
from praxis.backend.execution.messages import MessageWriter
from praxis.backend.execution.tracing import Tracer, module_name
from praxis.backend.execution.tracing import activate as activate_tracer


def main() -> None:
    spec = json.loads(sys.stdin.buffer.read())
    _die_with_parent(spec.get("parent_pid"))
    _limit_memory(spec.get("memory_limit_mb"))
    writer = MessageWriter(spec["message_fd"])
    try:
        if spec["mode"] == "discover":
            _discover(spec, writer)
        else:
            _run(spec, writer)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _die_with_parent(parent_pid: int | None) -> None:
    """End with the worker that started us (Linux): a protocol must not go on commanding machines for
    a run that the next worker marks "worker lost"."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if parent_pid is not None and os.getppid() != parent_pid:  # it died before the line above
        os._exit(1)


def _limit_memory(megabytes: int | None) -> None:
    if megabytes:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _discover(spec: dict[str, Any], writer: MessageWriter) -> None:
    from praxis.backend.errors import PraxisError
    from praxis.backend.services.discovery.scan import scan_protocols

    writer.send({"type": "ready"})  # the time limit counts from here: the imports of protocol files
    try:
        result = scan_protocols(
            spec["path"],
            allowed_roots=spec.get("allowed_roots"),
            progress=lambda file: writer.send({"type": "progress", "path": str(file)}),
        )
    except PraxisError as refused:
        writer.send(
            {
                "type": "refused",
                "error": type(refused).__name__,
                "message": refused.message,
                "field": refused.field,
                "value": None if refused.value is None else str(refused.value),
            }
        )
        return
    writer.send(
        {
            "type": "discovered",
            "protocols": [protocol.values() for protocol in result.protocols],
            "errors": [[str(error.path), error.error] for error in result.errors],
            "source": result.source,
        }
    )


def _listen(fd: int, control: ControlState) -> None:
    def read() -> None:
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            for line in pipe:
                control.request(line.decode().strip())

    threading.Thread(target=read, name="praxis-control", daemon=True).start()


#: log lines a run keeps; past this, one line says so and the rest are dropped
LOG_LINES = 10_000


class _LogForwarder(logging.Handler):
    """The protocol's log records (INFO and up) as messages to the parent: each becomes a ``log``
    event of the run, attached to the call that was running."""

    def __init__(self, writer: MessageWriter, tracer: Tracer) -> None:
        super().__init__(logging.INFO)
        self.writer, self.tracer, self.sent = writer, tracer, 0

    def emit(self, record: logging.LogRecord) -> None:
        if self.sent > LOG_LINES:
            return
        self.sent += 1
        if self.sent > LOG_LINES:
            record = logging.LogRecord(
                "praxis",
                logging.WARNING,
                "",
                0,
                f"more than {LOG_LINES} log lines: the rest are not kept",
                (),
                None,
            )
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + "".join(traceback.format_exception(*record.exc_info))
            logger = module_name(record.name)
            self.writer.send(messages.log(record.levelname, logger, message, self.tracer.current_seq()))
        except Exception:  # a record that cannot be formatted must not end the run
            self.handleError(record)


def _forward_logs(writer: MessageWriter, tracer: Tracer) -> None:
    root = logging.getLogger()
    root.addHandler(_LogForwarder(writer, tracer))
    root.setLevel(logging.INFO)
    # the machines' own chatter stays out of the run's log unless it warns
    logging.getLogger("pylabrobot").setLevel(logging.WARNING)


def _run(spec: dict[str, Any], writer: MessageWriter) -> None:
    control = ControlState()
    _listen(spec["control_fd"], control)
    tracer = Tracer(writer.send, control)
    try:
        function = _load(
            Path(spec["root"]), spec["module_name"], Path(spec["source_file_path"]), spec["function_name"]
        )
        objects = assets.build(spec.get("assets", {}), spec.get("simulation", True))
        context = RunContext(
            run_id=spec["run_id"],
            inputs=spec.get("inputs", {}),
            assets=objects,
            simulation=spec.get("simulation", True),
            asset_records={record["name"]: record for record in spec.get("assets", {}).values()},
            _send=writer.send,
            _control=control,
            _current_call=tracer.current_seq,
            max_file_bytes=spec.get("max_file_bytes", RunContext.max_file_bytes),
        )
        activate(context)
        activate_tracer(tracer)
        _forward_logs(writer, tracer)
        writer.send(messages.state("initial", assets.state_of(objects)))
        result = asyncio.run(_execute(function, tracer, {**spec.get("inputs", {}), **objects}, objects))
        writer.send(messages.state("final", assets.state_of(objects)))
        writer.send({"type": "result", "value": result})
        writer.send(messages.finished("completed"))
    except RunCancelled:
        writer.send(messages.finished("cancelled"))
    except BaseException as error:  # SystemExit, KeyboardInterrupt, MemoryError: all end the run only
        writer.send(
            messages.finished(
                "failed",
                error_message=f"{type(error).__name__}: {error}",
                error_traceback="".join(traceback.format_exception(error)),
            )
        )


async def _execute(function: Any, tracer: Tracer, arguments: dict[str, Any], objects: dict[str, Any]) -> Any:
    from praxis.backend.execution.tracing import describe

    machines = assets.machines(objects)
    for machine in machines:
        await machine.setup()
    try:
        if inspect.iscoroutinefunction(function):
            result = await tracer.acall(function, **arguments)
        else:
            result = tracer.call(function, **arguments)
    finally:
        for machine in machines:
            await machine.stop()
    return describe(result)


def _load(root: Path, module_name: str, path: Path, function_name: str) -> Any:
    from praxis.backend.services.discovery.importer import PrivateImporter

    importer = PrivateImporter(root)
    importer.__enter__()  # the process ends with the run: the modules stay imported for its lifetime
    module = importer.load(module_name, path)
    function = getattr(module, function_name)
    # the root call is logged by the runner; a @protocol_function on the protocol itself would log twice
    return getattr(function, "__wrapped__", function) if hasattr(function, "__praxis_traced__") else function


if __name__ == "__main__":
    main()
