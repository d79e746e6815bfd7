"""Finding the protocol functions of an imported module and describing each as a catalog row.

A protocol is a plain (sync or async) Python function. Modules that mark functions with ``@protocol``
contribute exactly those; modules with no marked function contribute their public top-level functions
as *inferred* protocols, so an existing script becomes usable without editing it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import re
import types
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from praxis.backend.protocols import ProtocolMetadata, get_protocol_metadata
from praxis.backend.services.discovery.annotations import AnnotationResolver, is_asset, static_imports

__all__ = ["DiscoveredProtocol", "protocols_in"]

_MEMORY_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


@dataclass(frozen=True, slots=True)
class DiscoveredProtocol:
    """One protocol function as found in a file: exactly the columns of ``ProtocolDefinitionOrm``.

    ``parameters`` are the values a user supplies; ``required_assets`` are the parameters typed with
    PyLabRobot classes (machines, labware), which the workcell provides instead. Each parameter is
    ``{"name", "type_hint", "default", "optional"}`` and each asset ``{"name", "type_hint", "optional"}``;
    ``optional`` means the function can be called without it (it has a default, or is ``*args``/``**kwargs``).
    """

    name: str
    fqn: str
    version: str
    description: str | None
    module_name: str
    function_name: str
    source_file_path: str
    source_hash: str | None
    is_inferred: bool
    parameters: list[dict[str, Any]]
    required_assets: list[dict[str, Any]]

    def values(self) -> dict[str, Any]:
        """The column values, as ``ProtocolDefinitionRepository.upsert`` takes them."""
        return asdict(self)


def protocols_in(
    module: types.ModuleType, module_name: str, path: Path, public: Callable[[str], str]
) -> list[DiscoveredProtocol]:
    """The marked functions defined in ``module``, or, if it marks none, its public top-level functions.

    A private module (``_helpers.py``, ``_shared/tools.py``) is a library for the protocols next to it,
    not a protocol file: its marked functions count, but nothing in it is inferred. ``public`` takes the
    importer's private package name out of texts (type hints, defaults).
    """
    defined: list[tuple[str, types.FunctionType]] = []
    seen: set[int] = set()
    for attribute, value in list(vars(module).items()):
        # defined in this very file (not imported), each function once even if aliased
        if inspect.isfunction(value) and value.__module__ == module.__name__ and id(value) not in seen:
            seen.add(id(value))
            defined.append((attribute, value))

    marked = [(a, f, m) for a, f in defined if (m := get_protocol_metadata(f)) is not None]
    inferred = not marked
    private_module = any(part.startswith("_") for part in module_name.split("."))
    if inferred and not private_module:
        marked = [
            (a, f, ProtocolMetadata())
            for a, f in defined
            if not a.startswith("_") and f.__qualname__ == a  # top-level def, not a lambda or a closure
        ]
    if not marked:
        return []

    source = importlib.util.decode_source(path.read_bytes())
    annotations = AnnotationResolver(module, static_imports(source), public)
    return [
        _describe(function, attribute, metadata, module_name, path, inferred, annotations, public)
        for attribute, function, metadata in marked
    ]


def _describe(
    function: types.FunctionType,
    attribute: str,
    metadata: ProtocolMetadata,
    module_name: str,
    path: Path,
    inferred: bool,
    annotations: AnnotationResolver,
    public: Callable[[str], str],
) -> DiscoveredProtocol:
    parameters: list[dict[str, Any]] = []
    assets: list[dict[str, Any]] = []
    for parameter in inspect.signature(function).parameters.values():
        type_hint = annotations.type_hint(parameter.annotation)
        has_default = parameter.default is not inspect.Parameter.empty
        variadic = parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        optional = has_default or variadic
        if type_hint is not None and is_asset(type_hint):
            assets.append({"name": parameter.name, "type_hint": type_hint, "optional": optional})
        else:
            parameters.append(
                {
                    "name": parameter.name,
                    "type_hint": type_hint,
                    "default": _default_text(parameter.default, public) if has_default else None,
                    "optional": optional,
                }
            )
    description = metadata.description if metadata.description is not None else inspect.getdoc(function)
    return DiscoveredProtocol(
        name=metadata.name or attribute,
        fqn=f"{module_name}.{attribute}",
        version=metadata.version,
        description=description or None,
        module_name=module_name,
        function_name=attribute,
        source_file_path=str(path),
        source_hash=_source_hash(function),
        is_inferred=inferred,
        parameters=parameters,
        required_assets=assets,
    )


def _source_hash(function: types.FunctionType) -> str | None:
    """sha256 of the function's own source (decorators included): it changes when the protocol does,
    and not when some other function in the same file is edited."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _default_text(default: Any, public: Callable[[str], str]) -> str:
    """``repr`` of a default, without memory addresses: a sentinel ``object()`` default must not make
    every scan look like a change."""
    try:
        text = repr(default)
    except Exception:
        text = object.__repr__(default)
    return public(_MEMORY_ADDRESS.sub("", text))
