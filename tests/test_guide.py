"""Runs every Python example of TESTING_PATTERNS.md as a test, so the guide cannot drift from the code.

Each ```python block is executed in a namespace of its own (blocks are self-contained, imports
included, so they can be copied as they are); the ``test_*`` functions and ``Test*`` classes it
defines are collected here as ordinary tests, with fixtures, under their own names, and the fixtures
it defines (a module's shared data) become fixtures of this module. Line numbers in tracebacks are the
guide's. Blocks marked ```python fails are examples of mistakes: ``tests/fixtures/test_misbehaving_tests.py``
runs them in an inner pytest and checks how each fails.
"""

from __future__ import annotations

import re
from pathlib import Path

from _pytest.fixtures import FixtureFunctionDefinition

from tests.builders import BUILDERS

GUIDE = Path(__file__).resolve().parents[1] / "TESTING_PATTERNS.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(first line number, source) of every ```python block."""
    return [(text.count("\n", 0, match.start(1)) + 1, match.group(1)) for match in _BLOCK.finditer(text)]


def _collect() -> dict[str, object]:
    tests: dict[str, object] = {}
    for line, source in python_blocks(GUIDE.read_text()):
        namespace: dict[str, object] = {"__name__": f"{__name__}.guide_line_{line}"}
        exec(compile("\n" * (line - 1) + source, str(GUIDE), "exec"), namespace)
        found: dict[str, object] = {
            name: obj
            for name, obj in namespace.items()
            if (name.startswith("test_") and callable(obj))
            or (name.startswith("Test") and isinstance(obj, type))
        }
        assert found, f"{GUIDE.name}:{line}: a Python example must define a test_ function or a Test class"
        found |= {name: obj for name, obj in namespace.items() if isinstance(obj, FixtureFunctionDefinition)}
        for name, obj in found.items():
            assert name not in tests, f"{GUIDE.name}:{line}: {name} is defined twice in the guide"
            tests[name] = obj
    return tests


GUIDE_TESTS = _collect()
globals().update(GUIDE_TESTS)


def test_guide_examples_cover_every_fixture_and_builder() -> None:
    code = "\n".join(source for _, source in python_blocks(GUIDE.read_text()))
    fixtures = [
        "repos",
        "repositories",
        "db_session",
        "client",
        "client_with",
        "anonymous_client",
        "app",
        "live_server",
        "live_client",
        "count_queries",
        "committed_database",
        "db_engine",
        "test_server",
        "module_repos",
        "class_repos",
        "protocol_runner",
        "simulation_lab",
        "migrator",
    ]
    missing_fixtures = [name for name in fixtures if not re.search(rf"\b{name}: ", code)]
    builders = list(BUILDERS)
    missing_builders = [name for name in builders if f"repos.{name}." not in code]
    assert missing_fixtures == [] and missing_builders == [], "the guide needs an example for these"
    assert len([name for name in GUIDE_TESTS if name.startswith("test_")]) >= 10
