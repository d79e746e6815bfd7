"""Reading parameter annotations into the ``type_hint`` text the catalog stores, and telling assets apart.

A parameter typed with a PyLabRobot class (a machine, a piece of labware) is an *asset* the workcell
provides; any other parameter is a value the user supplies. Deciding which is which needs the full
name of the annotation's type, but annotations are often strings, or sit behind
``from __future__ import annotations``, and the PyLabRobot imports that name them usually sit under
``if TYPE_CHECKING:`` (PyLabRobot need not be installed where Praxis catalogs protocols). So nothing is
evaluated: the annotation's text is parsed and its names are spelled out from the file's import
statements, read from the source.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import types
from collections.abc import Callable
from typing import Any

__all__ = ["ASSET_MODULE_PREFIX", "AnnotationResolver", "is_asset", "static_imports"]

#: a parameter whose type lives under this package is an asset the workcell provides, not a value
ASSET_MODULE_PREFIX = "pylabrobot."

_OPTIONAL_WRAPPERS = frozenset({"Optional", "typing.Optional"})
_UNION_WRAPPERS = frozenset({"Union", "typing.Union"})
_ANNOTATED_WRAPPERS = frozenset({"Annotated", "typing.Annotated", "typing_extensions.Annotated"})


def static_imports(source: str) -> dict[str, str]:
    """Local name -> imported dotted path, from the file's module-level imports.

    Read from the source rather than the live module, because names imported under
    ``if TYPE_CHECKING:`` do not exist at runtime.
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


class AnnotationResolver:
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


def is_asset(type_hint: str) -> bool:
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
