"""Importing protocol files without letting them into the application's namespace.

Every file of a scan is imported (its top-level code runs, synchronously) as a submodule of a package
whose name is private and unique to that scan. That keeps user modules out of ``sys.modules`` proper,
lets two directories both have a ``transfers.py``, lets protocol files use relative imports of their
siblings, and lets the whole scan be dropped from ``sys.modules`` afterwards so the next scan sees
edited files. Nothing is written to ``__pycache__``: files are compiled from source each time, which
also means a quick edit can never be hidden behind stale bytecode.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import traceback
import types
import uuid
from collections.abc import Sequence
from pathlib import Path

__all__ = ["ImportFailed", "PrivateImporter", "describe_exception"]


class ImportFailed(Exception):
    """A file of the scan (or its package) raised while being imported; the message says what."""


class _SourceLoader(importlib.machinery.SourceFileLoader):
    """Compiles from source on every import: edits are always seen, and no ``__pycache__`` is written
    into the user's protocol directories."""

    def get_code(self, fullname: str) -> types.CodeType:
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)  # type: ignore[arg-type]


class PrivateImporter(importlib.abc.MetaPathFinder):
    """Imports the files under ``root`` as ``<private prefix>.<dotted path>``; a context manager.

    While the scan runs, this finder sits on ``sys.meta_path`` answering only for names under its
    prefix, so a protocol file's relative imports (``from .helpers import dilute``) resolve inside the
    scanned directory through the same loader. On exit every module under the prefix leaves
    ``sys.modules`` again.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._real_root = root.resolve()
        self.prefix = f"_praxis_discovery_{uuid.uuid4().hex}"
        self._failures: dict[str, str] = {}

    def __enter__(self) -> PrivateImporter:
        # The root is a namespace package: its __init__.py, if any, is scanned like any other file.
        spec = importlib.machinery.ModuleSpec(self.prefix, None, is_package=True)
        spec.submodule_search_locations = [str(self.root)]
        sys.modules[self.prefix] = importlib.util.module_from_spec(spec)
        sys.meta_path.insert(0, self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        ours = self.prefix + "."
        for name in [n for n in sys.modules if n == self.prefix or n.startswith(ours)]:
            del sys.modules[name]

    def public(self, text: str) -> str:
        """``text`` with the private prefix taken out, so names and messages read as the user wrote them."""
        return text.replace(self.prefix + ".", "").replace(self.prefix, "")

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(self.prefix + "."):
            return None
        parts = fullname[len(self.prefix) + 1 :].split(".")
        if parts == ["__init__"]:
            init = self.root / "__init__.py"
            return importlib.util.spec_from_file_location(
                fullname, init, loader=_SourceLoader(fullname, str(init)), submodule_search_locations=None
            )
        base = self.root.joinpath(*parts)
        init = base / "__init__.py"
        for candidate in (base, base.parent / f"{base.name}.py"):
            self.refuse_outside(candidate)
        if init.is_file():
            return importlib.util.spec_from_file_location(
                fullname, init, loader=_SourceLoader(fullname, str(init))
            )
        module_file = base.parent / f"{base.name}.py"
        if module_file.is_file():
            return importlib.util.spec_from_file_location(
                fullname, module_file, loader=_SourceLoader(fullname, str(module_file))
            )
        if base.is_dir():  # a directory without __init__.py: a namespace package, as Python treats it
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = [str(base)]
            return spec
        return None

    def refuse_outside(self, path: Path) -> None:
        """``ImportError`` naming ``path`` when it exists and resolves (through symlinks) outside the
        root: code is only ever run from inside it."""
        if path.exists() and not path.resolve().is_relative_to(self._real_root):
            raise ImportError(
                f"{path.relative_to(self.root)} is a link to {path.resolve()}, outside the protocol root "
                f"{self._real_root}; Praxis runs only code inside it"
            )

    def load(self, module_name: str, path: Path) -> types.ModuleType:
        """The module of ``path``, importing its packages first so a broken ``__init__.py`` is named
        as the cause instead of showing up as an error of every file beneath it."""
        parts = module_name.split(".")
        for depth in range(1, len(parts)):
            package = ".".join(parts[:depth])
            try:
                self._import(package)
            except ImportFailed as exc:
                raise ImportFailed(f"its package {package!r} failed to import: {exc}") from None
        module = self._import(module_name)
        module_file = getattr(module, "__file__", None)
        if module_file is None or Path(module_file) != path:
            # ``a.py`` next to a package directory ``a/``: Python imports the package, never the file
            raise ImportFailed(f"cannot be imported: the package {module_name!r} shadows this file")
        return module

    def _import(self, module_name: str) -> types.ModuleType:
        if module_name in self._failures:  # failed earlier in this scan: do not run its code again
            raise ImportFailed(self._failures[module_name])
        try:
            return importlib.import_module(f"{self.prefix}.{module_name}")
        except (
            BaseException
        ) as exc:  # SystemExit, KeyboardInterrupt too: it runs in a child process of its own
            message = self.public(describe_exception(exc, self.root))
            self._failures[module_name] = message
            raise ImportFailed(message) from None


def describe_exception(exc: BaseException, root: Path) -> str:
    """``Type: message``, plus where in the scanned files it was raised, when that is not already said."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, SyntaxError):
        return text  # its message already names the file and line
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename and Path(frame.filename).is_relative_to(root)
    ]
    if frames:
        last = frames[-1]
        text += f" (at {Path(last.filename).relative_to(root)}:{last.lineno})"
    return text
