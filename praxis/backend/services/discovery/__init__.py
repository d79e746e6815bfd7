"""Protocol discovery: find the protocol functions in a directory of Python files and catalog them.

Split by job, each module holding one:

- ``confinement``: which directory a requested path names, and whether it may be scanned;
- ``files``: which files a scan imports, in what order, under what module names;
- ``importer``: importing those files under a private package, relative imports included;
- ``annotations``: reading parameter annotations into type hints, and telling assets from values;
- ``protocols``: the protocol functions of an imported module, described as catalog rows;
- ``scan``: the dry run tying those together, returning what would be cataloged, no database needed;
- ``service``: ``DiscoveryService``, which stores a scan's findings, the only database code here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from praxis.backend.services.discovery.annotations import ASSET_MODULE_PREFIX
    from praxis.backend.services.discovery.confinement import confined_directory
    from praxis.backend.services.discovery.files import python_files
    from praxis.backend.services.discovery.protocols import DiscoveredProtocol
    from praxis.backend.services.discovery.scan import ModuleError, ScanResult, scan_protocols
    from praxis.backend.services.discovery.service import DiscoveryResult, DiscoveryService

# Loaded on first use: the child process that imports protocol files uses ``importer`` and ``scan``
# alone, and must not pay for (or expose) the database code that ``service`` brings in.
_EXPORTS = {
    "ASSET_MODULE_PREFIX": "annotations",
    "DiscoveredProtocol": "protocols",
    "DiscoveryResult": "service",
    "DiscoveryService": "service",
    "ModuleError": "scan",
    "ScanResult": "scan",
    "confined_directory": "confinement",
    "python_files": "files",
    "scan_protocols": "scan",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)


__all__ = [
    "ASSET_MODULE_PREFIX",
    "DiscoveredProtocol",
    "DiscoveryResult",
    "DiscoveryService",
    "ModuleError",
    "ScanResult",
    "confined_directory",
    "python_files",
    "scan_protocols",
]
