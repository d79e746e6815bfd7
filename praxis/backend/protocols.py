"""The ``@protocol`` decorator that protocol authors put on their functions.

Discovery (``praxis.backend.services.discovery``) scans protocol files and needs to know which functions
are meant as protocols and under which name and version. The decorator only records that: it attaches
a ``ProtocolMetadata`` to the function and hands back the very same function, so a decorated protocol
still runs (and is tested, imported, awaited) exactly like the plain function it is. Nothing here
imports the database or the rest of the backend, so protocol files stay cheap to import.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from praxis.backend.execution.assets import simulated as simulated_assets
from praxis.backend.execution.context import RunContext, current_run, recording_run
from praxis.backend.execution.tracing import protocol_function

__all__ = [
    "DEFAULT_VERSION",
    "PROTOCOL_ATTRIBUTE",
    "ProtocolMetadata",
    "RunContext",
    "current_run",
    "get_protocol_metadata",
    "protocol",
    "protocol_function",
    "recording_run",
    "simulated_assets",
]

F = TypeVar("F", bound=Callable[..., Any])

#: the attribute holding a decorated function's ``ProtocolMetadata``
PROTOCOL_ATTRIBUTE = "__praxis_protocol__"
#: the version of a protocol that does not name one (and of every inferred protocol)
DEFAULT_VERSION = "0.1.0"


@dataclass(frozen=True, slots=True)
class ProtocolMetadata:
    """What the author declared; ``None`` fields are filled in by discovery (function name, docstring)."""

    name: str | None = None
    version: str = DEFAULT_VERSION
    description: str | None = None


@overload
def protocol(name: F, /) -> F: ...


@overload
def protocol(
    name: str | None = None, version: str = DEFAULT_VERSION, description: str | None = None
) -> Callable[[F], F]: ...


def protocol(
    name: str | Callable[..., Any] | None = None,
    version: str = DEFAULT_VERSION,
    description: str | None = None,
) -> Any:
    """Mark a function as a Praxis protocol: ``@protocol(name="serial_dilution", version="1.2.0")``.

    ``name`` defaults to the function's name and ``description`` to its docstring. The bare form
    ``@protocol`` is accepted too, because forgetting the parentheses is an easy slip and would otherwise
    register the function itself as the protocol's name.

    The arguments are checked here, at import time of the protocol file, so a typo surfaces as that
    file's import error in discovery instead of as an odd row in the catalog.
    """
    if callable(name):
        return _mark(name, ProtocolMetadata())
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError(f"protocol name must be a non-empty string, not {name!r}")
    if not isinstance(version, str) or not version.strip():
        raise ValueError(f"protocol version must be a non-empty string, not {version!r}")
    if description is not None and not isinstance(description, str):
        raise ValueError(f"protocol description must be a string, not {description!r}")
    metadata = ProtocolMetadata(name=name, version=version.strip(), description=description)

    def decorate(func: F) -> F:
        return _mark(func, metadata)

    return decorate


def _mark(func: F, metadata: ProtocolMetadata) -> F:
    # Only plain (sync or async) functions: discovery reads their signature and source, and a runner
    # calls them by module and function name, which classes or callable instances would not support.
    checked: object = func  # checked apart, so ``func`` keeps its own type for the return
    if not inspect.isfunction(checked):
        raise TypeError(f"@protocol decorates functions, not {func!r}")
    setattr(func, PROTOCOL_ATTRIBUTE, metadata)
    return func


def get_protocol_metadata(obj: object) -> ProtocolMetadata | None:
    """The metadata ``@protocol`` attached to ``obj``, or None if it is not a marked protocol."""
    metadata = getattr(obj, PROTOCOL_ATTRIBUTE, None)
    return metadata if isinstance(metadata, ProtocolMetadata) else None
