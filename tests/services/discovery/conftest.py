"""The discovery service over the test's real repositories."""

from __future__ import annotations

import pytest

from praxis.backend.repositories import Repositories
from praxis.backend.services.discovery import DiscoveryService


@pytest.fixture
def service(repositories: Repositories) -> DiscoveryService:
    return DiscoveryService(repositories)
