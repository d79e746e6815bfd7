"""How much the generated-request tests explore: one setting for the in-process and the live fuzzers.

``PRAXIS_FUZZ_BUDGET=short`` (the default on a contributor's machine) explores a quarter as much, so the
default run stays quick; ``full`` (the default wherever ``CI`` is set, as Hypothesis's ``ci`` profile
does, and what ``.ci/run`` asks for) explores as much as the suite always has. Nothing is left out of
either run: the short budget runs every operation and mode, with fewer cases each.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

VARIABLE = "PRAXIS_FUZZ_BUDGET"


@dataclass(frozen=True)
class Budget:
    name: str
    #: in-process: cases generated per operation and mode (positive, negative)
    cases_per_operation_and_mode: int
    #: live: schemathesis's examples per operation, and the time it may take in all
    examples_per_operation: int
    time_budget_s: int


FULL = Budget("full", cases_per_operation_and_mode=12, examples_per_operation=4, time_budget_s=75)
SHORT = Budget("short", cases_per_operation_and_mode=3, examples_per_operation=2, time_budget_s=20)


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def current() -> Budget:
    """The budget this run uses: ``PRAXIS_FUZZ_BUDGET`` if set, else full on CI and short elsewhere."""
    chosen = os.environ.get(VARIABLE, "").strip().lower() or ("full" if _on_ci() else "short")
    budgets = {b.name: b for b in (FULL, SHORT)}
    if chosen not in budgets:
        raise ValueError(f"{VARIABLE}={chosen!r}: choose one of {', '.join(budgets)}")
    return budgets[chosen]


BUDGET = current()
