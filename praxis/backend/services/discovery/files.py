"""Which files a scan imports, and the module name each one gets.

Kept apart from the importer because the CLI counts the files (for its progress bar) before any of
them runs, and because the walk's rules (what to skip, in what order) are a decision of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["iter_python_files", "module_name", "python_files"]

#: never descended into: caches, and installed packages (a virtualenv inside a protocol directory
#: must not be imported file by file)
SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules", "site-packages"})


def python_files(root: Path) -> list[Path]:
    """The files a scan of ``root`` will import, in scan order."""
    return list(iter_python_files(root.resolve()))


def iter_python_files(root: Path) -> Iterator[Path]:
    """``*.py`` files under ``root`` in a stable order (sorted, directory by directory), skipping
    hidden files and directories and those in ``SKIPPED_DIRECTORIES``."""
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(
            d for d in subdirectories if not d.startswith(".") and d not in SKIPPED_DIRECTORIES
        )
        for name in sorted(files):
            if name.endswith(".py") and not name.startswith("."):
                yield Path(directory) / name


def module_name(root: Path, path: Path) -> tuple[str, str | None]:
    """The dotted module path of ``path`` relative to ``root`` (``plates/reading.py`` -> ``plates.reading``),
    or ``("", why)`` when the file cannot have one.

    A package's ``__init__.py`` is the package itself; the scanned root's own ``__init__.py`` is the
    module ``__init__``, since the root has no name of its own inside the catalog.
    """
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    bad = next((p for p in parts if not p.isidentifier()), None)
    if bad is not None:
        return "", f"cannot be imported: {bad!r} is not a valid Python module name"
    return ".".join(parts), None
