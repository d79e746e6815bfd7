"""``@protocol_function``: every call of a decorated function inside a run is logged, cheaply.

Outside a run the decorator costs one context-variable read and calls the function. Inside one, a
call sends two small messages down a pipe (started: name, fqn, sequence, parent, arguments; ended:
status, return value or error, duration) and checks for a pause or cancel at both ends. The parent
batches the database writes, so a protocol never waits on the database.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import json
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from praxis.backend.execution import messages
from praxis.backend.execution.context import ControlState
from praxis.backend.execution.errors import RunCancelled

__all__ = ["Tracer", "describe", "protocol_function"]

F = TypeVar("F", bound=Callable[..., Any])

#: a described value longer than this (as JSON) is cut to a summary
VALUE_LIMIT = 2048
#: the arguments of one call, together, as JSON
ARGUMENTS_LIMIT = 16 * 1024


class Tracer:
    """Numbers the calls of one run and sends their starts and ends."""

    def __init__(self, send: Callable[[dict[str, Any]], None], control: ControlState | None = None) -> None:
        self.send = send
        self.control = control or ControlState()
        self._next = 0
        self._stack: contextvars.ContextVar[int | None] = contextvars.ContextVar("praxis_call", default=None)

    def current_seq(self) -> int | None:
        return self._stack.get()

    def start(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[int, Any]:
        self.control.checkpoint(self.send)
        self._next += 1
        seq = self._next
        self.send(
            messages.call_started(
                seq, self._stack.get(), func.__name__, _fqn(func), describe_arguments(func, args, kwargs)
            )
        )
        return seq, self._stack.set(seq)

    def end(
        self, seq: int, token: Any, began: float, result: Any = None, error: BaseException | None = None
    ) -> None:
        self._stack.reset(token)
        duration = (time.perf_counter() - began) * 1000
        if error is None:
            self.send(
                messages.call_ended(seq, "completed", return_value=describe(result), duration_ms=duration)
            )
            self.control.checkpoint(self.send)
            return
        status = "cancelled" if isinstance(error, RunCancelled) else "failed"
        self.send(
            messages.call_ended(
                seq,
                status,
                error_message=f"{type(error).__name__}: {error}",
                error_traceback="".join(traceback.format_exception(error)),
                duration_ms=duration,
            )
        )

    def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        seq, token = self.start(func, args, kwargs)
        began = time.perf_counter()
        try:
            result = func(*args, **kwargs)
        except BaseException as error:
            self.end(seq, token, began, error=error)
            raise
        self.end(seq, token, began, result)
        return result

    async def acall(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        seq, token = self.start(func, args, kwargs)
        began = time.perf_counter()
        try:
            result = await func(*args, **kwargs)
        except BaseException as error:
            self.end(seq, token, began, error=error)
            raise
        self.end(seq, token, began, result)
        return result


_tracer: contextvars.ContextVar[Tracer | None] = contextvars.ContextVar("praxis_tracer", default=None)


def activate(tracer: Tracer) -> contextvars.Token[Tracer | None]:
    return _tracer.set(tracer)


def deactivate(token: contextvars.Token[Tracer | None]) -> None:
    _tracer.reset(token)


def active() -> Tracer | None:
    return _tracer.get()


def protocol_function(func: F) -> F:
    """Log each call of ``func`` made inside a run (sync or async); outside a run, just call it."""
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def traced_async(*args: Any, **kwargs: Any) -> Any:
            tracer = _tracer.get()
            if tracer is None:
                return await func(*args, **kwargs)
            return await tracer.acall(func, *args, **kwargs)

        traced_async.__praxis_traced__ = True  # type: ignore[attr-defined]
        return traced_async  # type: ignore[return-value]

    @functools.wraps(func)
    def traced(*args: Any, **kwargs: Any) -> Any:
        tracer = _tracer.get()
        if tracer is None:
            return func(*args, **kwargs)
        return tracer.call(func, *args, **kwargs)

    traced.__praxis_traced__ = True  # type: ignore[attr-defined]
    return traced  # type: ignore[return-value]


def module_name(module: str) -> str:
    """A protocol module's name as its author wrote it, without the package discovery loads it under."""
    return module.split(".", 1)[1] if module.startswith("_praxis_discovery_") and "." in module else module


def _fqn(func: Callable[..., Any]) -> str:
    module = module_name(getattr(func, "__module__", "") or "")
    return f"{module}.{getattr(func, '__qualname__', func.__name__)}"


@functools.lru_cache(maxsize=512)
def _signature(func: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def describe_arguments(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The call's arguments by parameter name, each described as JSON, the whole bounded in size."""
    signature = _signature(func)
    try:
        bound = signature.bind_partial(*args, **kwargs).arguments if signature else None
    except TypeError:
        bound = None
    named = dict(bound) if bound is not None else {**{f"arg{i}": a for i, a in enumerate(args)}, **kwargs}
    described = {name: describe(value) for name, value in named.items()}
    size = len(json.dumps(described, default=str))
    if size > ARGUMENTS_LIMIT:
        return {"_truncated": f"{size} bytes of arguments, over the {ARGUMENTS_LIMIT} logged"}
    return described


def describe(value: Any, depth: int = 0) -> Any:
    """A JSON value saying what ``value`` is: itself when it is small JSON, a PyLabRobot object as its
    type and name, anything else as a bounded ``repr``."""
    if value is None or isinstance(value, bool | int | str):
        return (
            value if not isinstance(value, str) or len(value) <= VALUE_LIMIT else value[:VALUE_LIMIT] + "..."
        )
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else repr(value)
    if depth < 4 and isinstance(value, list | tuple):
        items = [describe(item, depth + 1) for item in value[:100]]
        return items + ([f"... {len(value) - 100} more"] if len(value) > 100 else [])
    if depth < 4 and isinstance(value, dict):
        return {str(k): describe(v, depth + 1) for k, v in list(value.items())[:100]}
    name = getattr(value, "name", None)
    if isinstance(name, str) and type(value).__module__.startswith("pylabrobot"):
        return {"type": type(value).__name__, "name": name}
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."
