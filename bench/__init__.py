"""Benchmarks of Praxis's test fixture layer: ``python -m bench`` (``--quick`` for a short run).

Every figure is measured against the same database the test suite runs on (``tests.harness.server``:
the embedded server, or ``TEST_DATABASE_URL``), in databases named ``praxis_test_bench_...`` that the
run creates through the harness and drops again. Competing variants run interleaved in rounds, so a
noisy machine slows all of them alike and the ratios between them hold. See ``bench/README.md``.
"""
