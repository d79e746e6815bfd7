"""What the migration gate reads: the revisions, and the tests that may name them."""

from __future__ import annotations

from pathlib import Path

import pytest

from praxis.backend.db.migrations import ALEMBIC_DIR
from tests.harness.data_migrations import MigrationSources

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture
def migration_sources() -> MigrationSources:
    """The project's: ``alembic/versions`` and ``tests``. (``test_gate_fails.py`` points it elsewhere.)"""
    return MigrationSources(versions=ALEMBIC_DIR / "versions", tests=TESTS)
