"""The test database harness: where the server comes from, the migrated template, per-worker clones,
and the transaction-per-test session. ``tests/conftest.py`` turns these into fixtures; ``bench`` uses
them directly so that benchmarks measure exactly what the tests run on."""
