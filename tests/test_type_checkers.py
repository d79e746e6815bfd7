"""The whole project passes mypy and pyright, as configured in ``pyproject.toml`` (the same files
for both: ``praxis``, ``tests``, ``bench``).

Builder overrides are typed for both checkers (``tests/builders/fields.py``), and editors show
pyright's reading: a change that either checker refuses fails the suite here, listing its errors,
rather than the next person's editor. Both run at once, each in a process of its own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: each checker as the project runs it: no paths, so each reads its files from pyproject.toml
CHECKERS = {
    "mypy": [sys.executable, "-m", "mypy"],
    # pyright is told which Python to read packages from: the one running the tests
    "pyright": [sys.executable, "-m", "pyright", "--pythonpath", sys.executable],
}


@pytest.mark.slow(seconds=40)
def test_mypy_and_pyright_pass_over_the_whole_project() -> None:
    running = {
        name: subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name, command in CHECKERS.items()
    }
    outputs = {name: process.communicate(timeout=540)[0] for name, process in running.items()}

    failed = [name for name, process in running.items() if process.returncode != 0]
    if failed:
        pytest.fail(
            "\n\n".join(
                f"`{' '.join(CHECKERS[name][2:])}` (exit {running[name].returncode}) reported:\n{outputs[name]}"
                for name in failed
            ),
            pytrace=False,
        )
