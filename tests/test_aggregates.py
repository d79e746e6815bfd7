"""One registry of aggregates (``Repositories``'s annotations, ``praxis.backend.repositories.AGGREGATES``)
and what derives from it: the builders, the API's collections and the tests' collection table. What
cannot be derived (the type annotations of ``Builders``, which collections exist) is checked against
it here, so an aggregate added in one place and not the others fails at once, naming what is missing."""

from __future__ import annotations

from typing import Any, get_type_hints

import pytest

from praxis.backend.api.routers.collections import COLLECTIONS as ROUTED
from praxis.backend.api.routers.collections import Collection
from praxis.backend.models.schemas import workcell
from praxis.backend.repositories import AGGREGATES as REGISTRY
from praxis.backend.repositories import Repositories
from praxis.backend.services.workcell import WorkcellService
from tests.api.collection_specs import COLLECTIONS as SPECS
from tests.builders import BUILDERS, Builder, Builders


def test_repositories_hold_one_repository_per_registered_aggregate(repositories: Repositories) -> None:
    held = {name: type(getattr(repositories, name)) for name in REGISTRY}
    assert held == REGISTRY


def test_every_aggregate_has_a_builder_of_its_own_repository() -> None:
    assert list(BUILDERS) == list(REGISTRY)
    assert all(builder.repository_name == name for name, builder in BUILDERS.items())


def test_builders_annotations_say_what_the_registry_says(repos: Builders) -> None:
    assert get_type_hints(Builders) == BUILDERS
    assert {name: type(getattr(repos, name)) for name in REGISTRY} == BUILDERS


def test_a_builder_for_an_aggregate_the_registry_lacks_is_refused_when_defined() -> None:
    with pytest.raises(LookupError, match="no aggregate 'pipette'"):

        class PipetteBuilder(Builder[Any]):
            repository_name = "pipette"


def test_a_collection_for_an_aggregate_the_registry_lacks_is_refused_when_declared() -> None:
    class PipetteService(WorkcellService):
        repository_name = "pipette"

    with pytest.raises(LookupError, match="no aggregate 'pipette'"):
        Collection(
            "/pipettes",
            "pipettes",
            PipetteService,
            workcell.WorkcellCreate,
            workcell.WorkcellUpdate,
            workcell.WorkcellRead,
            workcell.WorkcellQuery,
        )


def test_the_tests_collection_table_covers_every_collection_once() -> None:
    assert sorted(f"/{spec.path}" for spec in SPECS) == sorted(c.path for c in ROUTED)


def test_each_collection_serves_one_aggregate() -> None:
    aggregates = [c.aggregate for c in ROUTED]
    assert len(set(aggregates)) == len(aggregates)
