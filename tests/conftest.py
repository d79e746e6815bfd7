"""The suite's plugin (options, hooks, ordering) and fixtures, loaded from ``tests/harness``; see
TESTING_PATTERNS.md for how to use them, and its table of the harness's parts for where each lives."""

pytest_plugins = ["tests.harness.plugin", "tests.harness.fixtures"]
