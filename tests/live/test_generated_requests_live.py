"""An outside fuzzer against the production server: schemathesis's own command, as a user runs it,
on the live tier (``praxis serve``'s server on 127.0.0.1, real commits, an empty database of the
test's own).

The fuzzer sends a token with every scope (and schemathesis's own checks try requests without it).
The server is configured as a deployment that discovers protocols would be: one protocol root, holding
the demo protocols, so discovery is exercised past its "not enabled" refusal.

All checks, both modes (schema-valid and schema-violating requests), every phase, the stateful one
included (it chains create -> get/update/delete through the document's links). The seed is random
each run, so runs explore different requests over time; a failure prints it with the command that
replays the run, and ``PRAXIS_FUZZ_SEED=<seed>`` makes this test use that seed again. Bounded to about two minutes: few examples per operation, and a time budget. The
JSON fields' limits reach it through its own hooks (``SCHEMATHESIS_HOOKS``), as they would for a user
told of them by the document's ``x-json-limits``.
"""

from __future__ import annotations

import os
import random
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from praxis.backend import demo_protocols
from praxis.backend.settings import Settings
from tests.harness import schemathesis_hooks
from tests.harness.auth import bearer, committed_token
from tests.harness.budget import BUDGET
from tests.harness.live import LiveServer, running_server

# PRAXIS_FUZZ_BUDGET: short by default, full on CI (tests.harness.budget)
EXAMPLES_PER_OPERATION = BUDGET.examples_per_operation
TIME_BUDGET_S = BUDGET.time_budget_s
#: the budget bounds generation; this only stops a run that hangs, far above what a run takes
HARD_TIMEOUT_S = 240
#: set to replay a failed run's seed (printed with its failure)
SEED_VARIABLE = "PRAXIS_FUZZ_SEED"
#: the hooks' module, importable from the checkout's root
HOOKS_ENVIRONMENT = {
    "SCHEMATHESIS_HOOKS": schemathesis_hooks.MODULE,
    "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
}


def chosen_seed() -> int:
    """``PRAXIS_FUZZ_SEED`` if set, else a fresh random seed."""
    given = os.environ.get(SEED_VARIABLE, "").strip()
    return int(given) if given else random.SystemRandom().randrange(2**32)


def failures_first(output: str, limit: int = 20_000) -> str:
    """The fuzzer's report cut to ``limit`` characters, keeping its failures.

    schemathesis prints each failure (the request, the response, a curl line to replay it) before a
    long list of operations it could not reach and its summary; a plain tail of a long run kept only
    the summary, which names the check that failed but not the request.
    """
    start = output.find("FAILURES")
    if start == -1 or len(output) <= limit:
        return output[-limit:]
    head = output[max(0, output.rfind("\n", 0, start)) :][: limit // 2]
    return f"{head}\n[…]\n{output[-(limit - len(head)) :]}"


def schemathesis_command(url: str, seed: int, authorization: str) -> list[str]:
    executable = Path(sys.executable).with_name("schemathesis")
    return [
        str(executable),
        f"--config-file={schemathesis_hooks.CONFIG_FILE}",
        "run",
        f"{url}/openapi.json",
        f"--header=Authorization: {authorization}",
        "--checks=all",
        "--mode=all",
        "--phases=examples,coverage,fuzzing,stateful",
        f"--max-examples={EXAMPLES_PER_OPERATION}",
        f"--max-time={TIME_BUDGET_S}",
        f"--seed={seed}",
        "--workers=1",
        "--generation-database=none",
        "--no-color",
        # an event stream has no end to check (a pending run's never ends): tests/live/test_run_events_live.py
        "--exclude-path-regex=/events$",
    ]


@pytest.fixture
def server_with_a_protocol_root(committed_database: str, tmp_path: Path) -> Iterator[LiveServer]:
    root = tmp_path / "protocols"
    shutil.copytree(Path(demo_protocols.__file__).parent, root / "demo")
    with running_server(committed_database, Settings(protocol_roots=[root])) as server:
        yield server


@pytest.mark.slow(seconds=TIME_BUDGET_S)
async def test_an_outside_fuzzer_finds_nothing(
    server_with_a_protocol_root: LiveServer, tmp_path: Path
) -> None:
    live_server = server_with_a_protocol_root
    seed = chosen_seed()
    token = await committed_token(live_server.database_url)  # every scope: the fuzzer reaches everything
    command = schemathesis_command(live_server.url, seed, bearer(token)["Authorization"])

    # in a directory of its own: schemathesis keeps a cache in the working directory
    run = subprocess.run(  # noqa: ASYNC221 - the test waits for the fuzzer and does nothing else
        command,
        capture_output=True,
        text=True,
        timeout=HARD_TIMEOUT_S,
        check=False,
        cwd=tmp_path,
        env={**os.environ, **HOOKS_ENVIRONMENT},
    )

    report = failures_first(run.stdout + run.stderr)
    assert run.returncode == 0, (
        f"schemathesis found failures with seed {seed} (rerun this test with {SEED_VARIABLE}={seed}); "
        "replay against a server of your own with\n"
        f"  {' '.join(f'{k}={shlex.quote(v)}' for k, v in HOOKS_ENVIRONMENT.items())} "
        f"{shlex.join(command)}\n\n{report}"
    )
    assert "generated" in run.stdout, report
