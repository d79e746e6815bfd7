"""Discovery's imports in a child process: a protocol file that hangs, exits or crashes at import
costs that discovery (a 409 naming the file), never the API or the command that asked for it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from praxis.backend import errors
from praxis.backend.errors import ConflictError, PraxisError
from praxis.backend.execution.supervisor import Child, describe_exit
from praxis.backend.services.discovery.protocols import DiscoveredProtocol
from praxis.backend.services.discovery.scan import ModuleError, ScanResult

__all__ = ["scan_in_child"]

#: seconds the child may take to start (an interpreter and Praxis's imports), before ``time_limit``
#: starts counting: the limit is the protocol files', not the machine's load
STARTUP_LIMIT = 60.0


async def scan_in_child(
    path: Path | str,
    *,
    allowed_roots: Sequence[Path | str] | None,
    time_limit: float,
    memory_limit_mb: int | None = None,
    progress: Callable[[Path], None] | None = None,
) -> ScanResult:
    """What ``scan_protocols`` finds, found by a child process within ``time_limit`` seconds.

    The path's checks (roots, existence) are the child's too, raised here as the same errors.
    """
    spec = {
        "mode": "discover",
        "path": str(path),
        "allowed_roots": None if allowed_roots is None else [str(root) for root in allowed_roots],
        "memory_limit_mb": memory_limit_mb,
    }
    current: str | None = None
    loop = asyncio.get_running_loop()
    async with Child(spec) as child:
        try:
            async with asyncio.timeout(STARTUP_LIMIT) as deadline:
                async for message in child.messages():
                    kind = message["type"]
                    if kind == "ready":
                        deadline.reschedule(loop.time() + time_limit)
                    elif kind == "progress":
                        current = message["path"]
                        if progress is not None:
                            progress(Path(message["path"]))
                    elif kind == "refused":
                        raise _refusal(message)
                    elif kind == "discovered":
                        return ScanResult(
                            protocols=[DiscoveredProtocol(**values) for values in message["protocols"]],
                            errors=[ModuleError(Path(file), error) for file, error in message["errors"]],
                            source=message["source"],
                        )
                why = describe_exit(await child.wait()).replace("the protocol's process", "it")
        except TimeoutError:
            why = f"it took longer than {time_limit:g} s"
    where = f"while importing {current}" if current else "before importing any file"
    raise ConflictError(
        f"discovery of {path} stopped {where}: {why}",
        entity="protocol_definition",
        field="path",
        value=current or str(path),
    )


def _refusal(message: dict[str, object]) -> PraxisError:
    kind = getattr(errors, str(message["error"]), PraxisError)
    if not (isinstance(kind, type) and issubclass(kind, PraxisError)):
        kind = PraxisError
    return kind(str(message["message"]), field=message.get("field"), value=message.get("value"))  # type: ignore[arg-type]
