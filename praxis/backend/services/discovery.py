"""Protocol discovery: find the protocol functions in a directory of Python files and catalog them.

A protocol is a plain (sync or async) Python function. Files that mark functions with ``@protocol``
contribute exactly those; files with no marked function contribute their public top-level functions
as *inferred* protocols, so an existing script becomes usable without editing it.

Every file is imported (its top-level code runs, synchronously) as a submodule of a package whose name
is private and unique to one scan. That keeps user modules out of the application's namespace, lets two
directories both have a ``transfers.py``, lets protocol files use relative imports of their siblings,
and lets the whole scan be dropped from ``sys.modules`` afterwards so the next scan sees edited files.
Nothing is written to ``__pycache__``: files are compiled from source each time, which also means a
quick edit can never be hidden behind stale bytecode.

The catalog rows go through ``ProtocolDefinitionRepository.upsert``, keyed by (fqn, version) and only
rewritten when something differs, so discovering an unchanged directory twice changes nothing.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import os
import re
import sys
import traceback
import types
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from praxis.backend.errors import InvalidValueError, PraxisError
from praxis.backend.models.orm import ProtocolDefinitionOrm
from praxis.backend.protocols import ProtocolMetadata, get_protocol_metadata
from praxis.backend.repositories import Repositories
from praxis.backend.services.base import require_repositories

__all__ = [
    "ASSET_MODULE_PREFIX",
    "DiscoveredProtocol",
    "DiscoveryResult",
    "DiscoveryService",
    "ModuleError",
    "python_files",
    "scan_protocols",
]

#: a parameter whose type lives under this package is an asset the workcell provides, not a value
ASSET_MODULE_PREFIX = "pylabrobot."

_SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules", "site-packages"})
_OPTIONAL_WRAPPERS = frozenset({"Optional", "typing.Optional"})
_UNION_WRAPPERS = frozenset({"Union", "typing.Union"})
_ANNOTATED_WRAPPERS = frozenset({"Annotated", "typing.Annotated", "typing_extensions.Annotated"})
_MEMORY_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


@dataclass(frozen=True, slots=True)
class ModuleError:
    """A file discovery could not use, and why (the exception as ``Type: message``)."""

    path: Path
    error: str

    def __str__(self) -> str:
        return f"{self.path}: {self.error}"


@dataclass(slots=True)
class DiscoveryResult:
    """The definitions stored (new, updated or unchanged alike) and the files that failed.

    A failing file never stops the scan: the caller gets everything that could be cataloged plus a
    list of what to fix.
    """

    definitions: list[ProtocolDefinitionOrm] = field(default_factory=list)
    errors: list[ModuleError] = field(default_factory=list)


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
        return asdict(self)


class DiscoveryService:
    """Scans protocol directories and keeps the protocol definition catalog in step with them."""

    def __init__(self, repos: Repositories, *, allowed_roots: Sequence[Path | str] | None = None) -> None:
        """``allowed_roots``: when given, a scanned path must lie inside one of them.

        Discovery imports and therefore *runs* the files it scans, so an API that lets clients name a
        path should confine it (``Settings.protocol_roots``). ``None`` allows any directory; an empty
        sequence allows none.
        """
        self.repos = require_repositories(repos)
        self.allowed_roots = (
            None if allowed_roots is None else [Path(r).expanduser().resolve() for r in allowed_roots]
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
        root = self._checked_root(path)
        found, errors = scan_protocols(root, progress=progress)
        result = DiscoveryResult(errors=errors)
        for protocol in found:
            try:
                definition = await self.repos.protocol_definition.upsert(**protocol.values())
            except PraxisError as exc:
                # e.g. a name longer than the column: that protocol is skipped, the others still land
                result.errors.append(
                    ModuleError(Path(protocol.source_file_path), f"{protocol.fqn}: {exc.message}")
                )
            else:
                result.definitions.append(definition)
        return result

    def _checked_root(self, path: Path | str) -> Path:
        given = Path(path).expanduser()
        if not given.exists():
            raise InvalidValueError(
                f"protocol directory {str(path)!r} does not exist", field="path", value=str(path)
            )
        if not given.is_dir():
            raise InvalidValueError(
                f"protocol path {str(path)!r} is not a directory", field="path", value=str(path)
            )
        root = given.resolve()
        if self.allowed_roots is not None and not any(root.is_relative_to(r) for r in self.allowed_roots):
            allowed = ", ".join(str(r) for r in self.allowed_roots) or "none configured"
            raise InvalidValueError(
                f"protocol directory {str(path)!r} is outside the allowed protocol roots ({allowed})",
                field="path",
                value=str(path),
            )
        return root


def python_files(root: Path) -> list[Path]:
    """The files a scan of ``root`` will import, in scan order."""
    return list(_python_files(root.resolve()))


def scan_protocols(
    root: Path, *, progress: Callable[[Path], None] | None = None
) -> tuple[list[DiscoveredProtocol], list[ModuleError]]:
    """Every protocol function under ``root`` and every file that could not be used; writes nothing.

    Separate from the service so a dry run (a CLI listing, a check in CI) needs no database.
    """
    root = root.resolve()
    protocols: list[DiscoveredProtocol] = []
    errors: list[ModuleError] = []
    with _PrivateImporter(root) as importer:
        for path in _python_files(root):
            if progress is not None:
                progress(path)
            module_name, problem = _module_name(root, path)
            if problem is not None:
                errors.append(ModuleError(path, problem))
                continue
            try:
                module = importer.load(module_name, path)
            except _ImportFailed as exc:
                errors.append(ModuleError(path, str(exc)))
                continue
            try:
                protocols.extend(_protocols_in(module, module_name, path, importer))
            except Exception as exc:
                errors.append(ModuleError(path, importer.public(_describe(exc, root))))
    return protocols, errors


# -- files and module names -------------------------------------------------------------------------


def _python_files(root: Path) -> Iterator[Path]:
    """``*.py`` files under ``root`` in a stable order, skipping hidden, cache and installed-package
    directories (a virtualenv inside the protocol directory must not be imported file by file)."""
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(
            d for d in subdirectories if not d.startswith(".") and d not in _SKIPPED_DIRECTORIES
        )
        for name in sorted(files):
            if name.endswith(".py") and not name.startswith("."):
                yield Path(directory) / name


def _module_name(root: Path, path: Path) -> tuple[str, str | None]:
    """The dotted module path of ``path`` relative to ``root`` (``plates/reading.py`` -> ``plates.reading``).

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


# -- importing under a private package --------------------------------------------------------------


class _ImportFailed(Exception):
    """A file of the scan (or its package) raised while being imported; the message says what."""


class _SourceLoader(importlib.machinery.SourceFileLoader):
    """Compiles from source on every import: edits are always seen, and no ``__pycache__`` is written
    into the user's protocol directories."""

    def get_code(self, fullname: str) -> types.CodeType:
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)  # type: ignore[arg-type]


class _PrivateImporter(importlib.abc.MetaPathFinder):
    """Imports the files under ``root`` as ``<private prefix>.<dotted path>``.

    While the scan runs, this finder sits on ``sys.meta_path`` answering only for names under its
    prefix, so a protocol file's relative imports (``from .helpers import dilute``) resolve inside the
    scanned directory through the same loader. On exit every module under the prefix leaves
    ``sys.modules`` again.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix = f"_praxis_discovery_{uuid.uuid4().hex}"
        self._failures: dict[str, str] = {}

    def __enter__(self) -> _PrivateImporter:
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

    def load(self, module_name: str, path: Path) -> types.ModuleType:
        """The module of ``path``, importing its packages first so a broken ``__init__.py`` is named
        as the cause instead of showing up as an error of every file beneath it."""
        parts = module_name.split(".")
        for depth in range(1, len(parts)):
            package = ".".join(parts[:depth])
            try:
                self._import(package)
            except _ImportFailed as exc:
                raise _ImportFailed(f"its package {package!r} failed to import: {exc}") from None
        module = self._import(module_name)
        module_file = getattr(module, "__file__", None)
        if module_file is None or Path(module_file) != path:
            # ``a.py`` next to a package directory ``a/``: Python imports the package, never the file
            raise _ImportFailed(f"cannot be imported: the package {module_name!r} shadows this file")
        return module

    def _import(self, module_name: str) -> types.ModuleType:
        if module_name in self._failures:  # failed earlier in this scan: do not run its code again
            raise _ImportFailed(self._failures[module_name])
        try:
            return importlib.import_module(f"{self.prefix}.{module_name}")
        except (Exception, SystemExit) as exc:  # SystemExit: a script calling sys.exit() at import
            message = self.public(_describe(exc, self.root))
            self._failures[module_name] = message
            raise _ImportFailed(message) from None


def _describe(exc: BaseException, root: Path) -> str:
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


# -- protocol functions -----------------------------------------------------------------------------


def _protocols_in(
    module: types.ModuleType, module_name: str, path: Path, importer: _PrivateImporter
) -> list[DiscoveredProtocol]:
    """The marked functions defined in ``module``, or, if it marks none, its public top-level functions.

    A private module (``_helpers.py``, ``_shared/tools.py``) is a library for the protocols next to it,
    not a protocol file: its marked functions count, but nothing in it is inferred.
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
    annotations = _AnnotationResolver(module, _static_imports(source), importer.public)
    return [
        _describe_protocol(function, attribute, metadata, module_name, path, inferred, annotations, importer)
        for attribute, function, metadata in marked
    ]


def _describe_protocol(
    function: types.FunctionType,
    attribute: str,
    metadata: ProtocolMetadata,
    module_name: str,
    path: Path,
    inferred: bool,
    annotations: _AnnotationResolver,
    importer: _PrivateImporter,
) -> DiscoveredProtocol:
    parameters: list[dict[str, Any]] = []
    assets: list[dict[str, Any]] = []
    for parameter in inspect.signature(function).parameters.values():
        type_hint = annotations.type_hint(parameter.annotation)
        has_default = parameter.default is not inspect.Parameter.empty
        variadic = parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        optional = has_default or variadic
        if type_hint is not None and _is_asset(type_hint):
            assets.append({"name": parameter.name, "type_hint": type_hint, "optional": optional})
        else:
            parameters.append(
                {
                    "name": parameter.name,
                    "type_hint": type_hint,
                    "default": _default_text(parameter.default, importer.public) if has_default else None,
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


# -- annotations and assets -------------------------------------------------------------------------


def _static_imports(source: str) -> dict[str, str]:
    """Local name -> imported dotted path, from the file's module-level imports.

    Read from the source rather than the live module, because the imports that name PyLabRobot types
    usually sit under ``if TYPE_CHECKING:`` (PyLabRobot need not be installed where Praxis catalogs
    protocols), so at runtime those names do not exist.
    """
    names: dict[str, str] = {}

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        head = alias.name.partition(".")[0]
                        names[head] = head
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    if alias.name != "*":
                        names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.If | ast.With):
                visit(node.body)
                visit(getattr(node, "orelse", []))
            elif isinstance(node, ast.Try | ast.TryStar):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    # It imported, so it parses; should it not, a missing map only loses name resolution.
    with contextlib.suppress(SyntaxError):
        visit(ast.parse(source).body)
    return names


class _AnnotationResolver:
    """Turns a parameter annotation into the ``type_hint`` text stored in the catalog.

    The text is the annotation as written, except that names standing for PyLabRobot types are spelled
    out in full (``Plate`` imported from ``pylabrobot.resources`` becomes ``pylabrobot.resources.Plate``),
    so asset detection and whoever allocates assets read one unambiguous name. Works for string
    annotations and ``from __future__ import annotations`` without evaluating anything.
    """

    def __init__(
        self, module: types.ModuleType, imports: dict[str, str], public: Callable[[str], str]
    ) -> None:
        self.namespace = vars(module)
        self.imports = imports
        self.public = public

    def type_hint(self, annotation: Any) -> str | None:
        if annotation is inspect.Parameter.empty:
            return None
        if isinstance(annotation, str):
            text = annotation.strip()
        else:
            text = self.public(inspect.formatannotation(annotation))
        try:
            expression = ast.parse(text, mode="eval")
        except SyntaxError:
            return text
        qualifier = _Qualifier(self.resolve)
        qualified = qualifier.visit(expression)
        return ast.unparse(qualified) if qualifier.changed else text

    def resolve(self, dotted: str) -> str | None:
        """The full dotted name ``dotted`` refers to in the module, if it can be told."""
        head, _, rest = dotted.partition(".")
        if head in self.imports:
            return self.imports[head] + (f".{rest}" if rest else "")
        if head not in self.namespace:
            return None
        value = self.namespace[head]
        for part in rest.split(".") if rest else []:
            value = getattr(value, part, None)
            if value is None:
                return None
        if isinstance(value, type):
            return self.public(f"{value.__module__}.{value.__qualname__}")
        if isinstance(value, types.ModuleType):
            return self.public(value.__name__)
        return None


class _Qualifier(ast.NodeTransformer):
    """Replaces dotted names that resolve into PyLabRobot with their full name, and unquotes nested
    string annotations (``Optional["Plate"]``) when doing so."""

    def __init__(self, resolve: Callable[[str], str | None]) -> None:
        self.resolve = resolve
        self.changed = False

    def _dotted_node(self, node: ast.expr) -> ast.AST:
        dotted = _dotted(node)
        if dotted is None:
            return self.generic_visit(node)
        full = self.resolve(dotted)
        if full is None or full == dotted or not full.startswith(ASSET_MODULE_PREFIX):
            return node
        self.changed = True
        return ast.parse(full, mode="eval").body

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return self._dotted_node(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        return self._dotted_node(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if not isinstance(node.value, str):
            return node
        try:
            inner = ast.parse(node.value.strip(), mode="eval").body
        except SyntaxError:
            return node
        nested = _Qualifier(self.resolve)
        rewritten = nested.visit(inner)
        if not nested.changed:
            return node
        self.changed = True
        return rewritten


def _dotted(node: ast.AST) -> str | None:
    """``a.b.C`` for a chain of attribute accesses on a name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _is_asset(type_hint: str) -> bool:
    """True when the hint names one PyLabRobot type, possibly optional (``X | None``, ``Optional[X]``)."""
    try:
        expression = ast.parse(type_hint, mode="eval").body
    except SyntaxError:
        return False
    members = _union_members(expression)
    if len(members) != 1:
        return False
    dotted = _dotted(members[0])
    return dotted is not None and dotted.startswith(ASSET_MODULE_PREFIX)


def _union_members(node: ast.expr) -> list[ast.expr]:
    """The alternatives of a union annotation, ``None`` left out; a plain annotation is its own member."""
    if isinstance(node, ast.Constant):
        if node.value is None:
            return []
        if isinstance(node.value, str):
            try:
                return _union_members(ast.parse(node.value.strip(), mode="eval").body)
            except SyntaxError:
                return [node]
        return [node]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left) + _union_members(node.right)
    if isinstance(node, ast.Subscript):
        wrapper = _dotted(node.value)
        elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if wrapper in _OPTIONAL_WRAPPERS:
            return _union_members(elements[0])
        if wrapper in _UNION_WRAPPERS:
            return [member for element in elements for member in _union_members(element)]
        if wrapper in _ANNOTATED_WRAPPERS:
            return _union_members(elements[0])
    return [node]
