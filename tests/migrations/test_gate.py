"""The gate: every revision that changes data has a test naming it (``@pytest.mark.migration``), so
the next migration that rewrites rows cannot land without one. ``tests/harness/data_migrations.py``
says how a revision is found to change data; ``test_gate_fails.py`` shows this test failing."""

from __future__ import annotations

from tests.harness.data_migrations import MigrationSources, gate_failures


def test_every_revision_that_changes_data_has_a_test(migration_sources: MigrationSources) -> None:
    failures = gate_failures(migration_sources)

    assert not failures, "\n".join(failures)
