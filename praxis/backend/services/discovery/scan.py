"""The dry run: what discovery would catalog under a directory, found without touching the database.

``scan_protocols`` checks the requested path, imports every file under it and describes each protocol
function; ``DiscoveryService`` stores what it returns. Anything that wants to know what a directory
holds without changing the catalog (``praxis discover --dry-run``, a check in CI) calls it directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from praxis.backend.services.discovery.confinement import confined_directory
from praxis.backend.services.discovery.files import iter_python_files, module_name
from praxis.backend.services.discovery.importer import ImportFailed, PrivateImporter, describe_exception
from praxis.backend.services.discovery.protocols import DiscoveredProtocol, protocols_in
from praxis.backend.services.discovery.source import read_source

__all__ = ["ModuleError", "ScanResult", "scan_protocols"]


@dataclass(frozen=True, slots=True)
class ModuleError:
    """A file discovery could not use, and why (the exception as ``Type: message``)."""

    path: Path
    error: str

    def __str__(self) -> str:
        return f"{self.path}: {self.error}"


@dataclass(slots=True)
class ScanResult:
    """Every protocol function found, and every file that could not be used.

    A failing file never stops the scan: the caller gets everything that could be found plus a list of
    what to fix.
    """

    protocols: list[DiscoveredProtocol] = field(default_factory=list)
    errors: list[ModuleError] = field(default_factory=list)
    #: where the protocols come from (git URL, ref and commit, or the directory): ``source``
    source: dict[str, Any] = field(default_factory=dict)


def scan_protocols(
    path: Path | str,
    *,
    allowed_roots: Sequence[Path | str] | None = None,
    progress: Callable[[Path], None] | None = None,
) -> ScanResult:
    """Every protocol function under ``path``, recursively, and every file that failed; writes nothing.

    ``path`` and ``allowed_roots`` are checked by ``confined_directory`` (which says how relative paths
    resolve): ``InvalidValueError`` (field ``path``) when the path is not an allowed, existing
    directory. ``progress`` is called with each file before it is imported. The files *are* imported,
    so their top-level code runs: a dry run is free of database writes, not of side effects.
    """
    root = confined_directory(path, allowed_roots)
    result = ScanResult(source=read_source(root).values())
    with PrivateImporter(root) as importer:
        for file in iter_python_files(root):
            if progress is not None:
                progress(file)
            name, problem = module_name(root, file)
            try:
                importer.refuse_outside(file)
            except ImportError as outside:
                problem = str(outside)
            if problem is not None:
                result.errors.append(ModuleError(file, problem))
                continue
            try:
                module = importer.load(name, file)
            except ImportFailed as exc:
                result.errors.append(ModuleError(file, str(exc)))
                continue
            try:
                result.protocols.extend(protocols_in(module, name, file, importer.public))
            except Exception as exc:
                result.errors.append(ModuleError(file, importer.public(describe_exception(exc, root))))
    return result
