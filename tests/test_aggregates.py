"""The aggregates are listed in several places that must agree: the repositories, the builders, the
API's collections and the tests' collection table. Each list is checked against the others here, so
adding an aggregate to one and not the others fails at once, naming what is missing."""

from __future__ import annotations

from typing import get_type_hints

from praxis.backend.api.routers.collections import COLLECTIONS as ROUTED
from praxis.backend.repositories import Repositories
from tests.api.collection_specs import COLLECTIONS as SPECS
from tests.builders import AGGREGATES

REPOSITORIES = get_type_hints(Repositories)


def test_builders_name_exactly_the_repositories() -> None:
    assert list(AGGREGATES) == list(REPOSITORIES)


def test_every_collection_serves_an_aggregate_with_a_repository() -> None:
    unknown = [c.path for c in ROUTED if c.service.repository_name not in REPOSITORIES]
    assert unknown == []


def test_the_tests_collection_table_covers_every_collection_alike() -> None:
    routed = {c.path: c.service.repository_name for c in ROUTED}
    specified = {f"/{spec.path}": spec.builder for spec in SPECS}
    assert specified == routed


def test_each_collection_names_its_table_as_errors_do() -> None:
    by_path = {c.path: REPOSITORIES[c.service.repository_name].model.__tablename__ for c in ROUTED}
    assert {f"/{spec.path}": spec.entity for spec in SPECS} == by_path
