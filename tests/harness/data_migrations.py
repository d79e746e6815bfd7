"""Which Alembic revisions change stored rows, and which tests name them: the gate's two lists.

Read from the source, never by importing or running anything, so the gate answers the same whatever
subset of the suite runs, with or without xdist.

**A revision changes data** when its module says so, ``changes_data = True``; or, when it says
nothing, when its code sends SQL of its own or touches rows: ``op.execute``, ``op.bulk_insert``,
``op.get_bind`` (statements on the raw connection), or an ``alter_column`` with ``postgresql_using``
(a type change that rewrites every value). A revision whose ``op.execute`` only changes the schema
(a function, a trigger, a job library's DDL) says ``changes_data = False``, where its reviewer sees it.

**A test names a revision** with ``@pytest.mark.migration("0002")`` on the test or class, or
``pytestmark = pytest.mark.migration("0002")`` for a module.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

MARKER = "migration"
DECLARATION = "changes_data"
_DATA_CALLS = {"execute", "bulk_insert", "get_bind"}
_REWRITING_KEYWORDS = {"postgresql_using"}


@dataclass(frozen=True)
class MigrationSources:
    """Where the gate reads: the Alembic versions directory, and the tests directory."""

    versions: Path
    tests: Path


@dataclass(frozen=True)
class Revision:
    revision: str
    path: Path
    changes_data: bool
    why: str  # the declaration, or the first call that makes it a data change


def _module_constant(tree: ast.Module, name: str) -> object:
    """The value of a module-level ``name = <constant>`` (annotated or not); ``...`` when absent."""
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if any(isinstance(target, ast.Name) and target.id == name for target in targets) and isinstance(
            value, ast.Constant
        ):
            return value.value
    return ...


def _first_data_change(tree: ast.Module) -> str | None:
    """The first line (in the file's order) that sends SQL of its own or rewrites values."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "op"
            and func.attr in _DATA_CALLS
        ):
            found.append((node.lineno, f"op.{func.attr}"))
        found += [
            (node.lineno, keyword.arg) for keyword in node.keywords if keyword.arg in _REWRITING_KEYWORDS
        ]
    if not found:
        return None
    line, what = min(found)
    return f"{what} at line {line}"


def read_revision(path: Path) -> Revision | None:
    """The revision ``path`` defines, or None for a file that defines none (a helper module)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    revision = _module_constant(tree, "revision")
    if not isinstance(revision, str):
        return None
    declared = _module_constant(tree, DECLARATION)
    if isinstance(declared, bool):
        return Revision(revision, path, declared, f"{DECLARATION} = {declared}")
    found = _first_data_change(tree)
    return Revision(revision, path, found is not None, found or "no SQL of its own")


def revisions(versions: Path) -> list[Revision]:
    found = (read_revision(path) for path in sorted(versions.rglob("*.py")))
    return [revision for revision in found if revision is not None]


def _is_migration_marker(node: ast.Call) -> bool:
    """``pytest.mark.migration(...)`` or ``mark.migration(...)``."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == MARKER):
        return False
    owner = func.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (
        isinstance(owner, ast.Name) and owner.id == "mark"
    )


def named_revisions(tests: Path) -> dict[str, list[str]]:
    """Every revision a migration marker under ``tests`` names, with where (``path:line``)."""
    named: dict[str, list[str]] = {}
    for path in sorted(tests.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and _is_migration_marker(node):
                for argument in node.args:
                    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                        named.setdefault(argument.value, []).append(
                            f"{path.relative_to(tests)}:{node.lineno}"
                        )
    return named


def gate_failures(sources: MigrationSources) -> list[str]:
    """What keeps the gate shut: data-changing revisions no test names, and markers naming no revision."""
    versions = sources.versions
    known = revisions(versions)
    named = named_revisions(sources.tests)
    failures = [
        f"revision {found.revision} ({found.path.name}) changes data ({found.why}) and no test names it. "
        f'Add a test marked @pytest.mark.migration("{found.revision}") that stores rows before it and reads '
        'them after its upgrade and after its downgrade (TESTING_PATTERNS.md, "Testing a migration"); '
        f"if its SQL changes only the schema, write {DECLARATION} = False in the revision, with why."
        for found in known
        if found.changes_data and found.revision not in named
    ]
    ids = {found.revision for found in known}
    failures += [
        f"{', '.join(where)}: marks migration {revision!r}, which {versions.name}/ does not have"
        for revision, where in sorted(named.items())
        if revision not in ids
    ]
    return failures
