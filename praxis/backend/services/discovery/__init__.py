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

from praxis.backend.services.discovery.annotations import ASSET_MODULE_PREFIX
from praxis.backend.services.discovery.confinement import confined_directory
from praxis.backend.services.discovery.files import python_files
from praxis.backend.services.discovery.protocols import DiscoveredProtocol
from praxis.backend.services.discovery.scan import ModuleError, ScanResult, scan_protocols
from praxis.backend.services.discovery.service import DiscoveryResult, DiscoveryService

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
