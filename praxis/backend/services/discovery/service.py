"""``DiscoveryService``: keeps the protocol definition catalog in step with a directory of protocol files.

This is the only part of discovery that touches the database. Finding the protocols is
``scan_protocols``'s job; the service stores what a scan found through
``ProtocolDefinitionRepository.upsert``, keyed by (fqn, version) and only rewritten when something
differs, so discovering an unchanged directory twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from praxis.backend.errors import PraxisError
from praxis.backend.execution.discovery import scan_in_child
from praxis.backend.models.orm import ProtocolDefinitionOrm
from praxis.backend.repositories import Repositories
from praxis.backend.services.base import require_repositories
from praxis.backend.services.discovery.scan import ModuleError, ScanResult
from praxis.backend.settings import get_settings

__all__ = ["DiscoveryResult", "DiscoveryService"]


@dataclass(slots=True)
class DiscoveryResult:
    """The definitions stored (new, updated or unchanged alike) and the files that failed.

    A failing file never stops the scan: the caller gets everything that could be cataloged plus a
    list of what to fix.
    """

    definitions: list[ProtocolDefinitionOrm] = field(default_factory=list)
    errors: list[ModuleError] = field(default_factory=list)


class DiscoveryService:
    """Scans protocol directories and keeps the protocol definition catalog in step with them."""

    def __init__(
        self,
        repos: Repositories,
        *,
        allowed_roots: Sequence[Path | str] | None = None,
        time_limit: float | None = None,
    ) -> None:
        """``allowed_roots``: when given, a scanned path must lie inside one of them.

        Discovery imports and therefore *runs* the files it scans, so an API that lets clients name a
        path passes the server's ``Settings.protocol_roots``. ``None`` allows any directory (the CLI:
        its user can run any code anyway); an empty sequence allows none. ``confined_directory`` holds
        the rules, including how relative paths resolve.
        """
        self.repos = require_repositories(repos)
        self.allowed_roots = None if allowed_roots is None else list(allowed_roots)
        self.time_limit = time_limit

    async def scan(self, path: Path | str, *, progress: Callable[[Path], None] | None = None) -> ScanResult:
        """What ``discover_and_upsert_protocols`` would store for ``path``, under this service's roots,
        without touching the database. The files are imported in a child process (their code runs
        there, never here), within ``time_limit`` seconds (default: PRAXIS_DISCOVERY_TIME_LIMIT)."""
        settings = get_settings()
        return await scan_in_child(
            path,
            allowed_roots=self.allowed_roots,
            time_limit=self.time_limit or settings.discovery_time_limit,
            memory_limit_mb=settings.run_memory_limit_mb,
            progress=progress,
        )

    async def discover_and_upsert_protocols(
        self, path: Path | str, *, progress: Callable[[Path], None] | None = None
    ) -> DiscoveryResult:
        """Scan ``path`` recursively and upsert a definition per protocol function found.

        Raises ``InvalidValueError`` (field ``path``) when ``path`` is not an existing directory or lies
        outside the allowed roots. Files that fail to import, and definitions the database refuses, are
        reported in ``errors`` while the rest is still stored. ``progress`` is called with each file
        before it is imported (the CLI draws its progress bar with it).
        """
        found = await self.scan(path, progress=progress)
        result = DiscoveryResult(errors=list(found.errors))
        for protocol in found.protocols:
            try:
                definition = await self.repos.protocol_definition.upsert(**protocol.values(), **found.source)
            except PraxisError as exc:
                # e.g. a name longer than the column: that protocol is skipped, the others still land
                result.errors.append(
                    ModuleError(Path(protocol.source_file_path), f"{protocol.fqn}: {exc.message}")
                )
            else:
                result.definitions.append(definition)
        return result
