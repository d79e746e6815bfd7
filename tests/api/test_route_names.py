"""Each collection's routes are functions of their own: a traceback, a log line or a profiler names
``create_deck`` or ``list_workcells``, never one function shared by every collection."""

from __future__ import annotations

import traceback
from collections import Counter

import pytest
from fastapi.routing import APIRoute

from praxis.backend.api.routers.collections import ROUTERS

ROUTES = [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]


def test_every_collection_route_is_named_for_its_collection() -> None:
    documented = [route for route in ROUTES if route.include_in_schema]
    names = Counter(route.endpoint.__code__.co_name for route in documented)

    # one function per collection and action: only PATCH and PUT share one (they do the same)
    assert {name for name, uses in names.items() if uses > 1} == {
        name for name in names if name.startswith("update_")
    }
    for route in documented:
        name, operation = route.endpoint.__code__.co_name, str(route.operation_id)
        assert route.endpoint.__name__ == route.endpoint.__qualname__ == name
        assert name == operation or name == "update_" + operation.split("_", 1)[1]  # patch_x, put_x


@pytest.mark.parametrize("operation", ["create_deck", "list_workcells"])
async def test_a_traceback_names_the_collections_own_route(operation: str) -> None:
    route = next(route for route in ROUTES if route.operation_id == operation)

    with pytest.raises(AttributeError) as raised:  # no service: the route's first line fails
        await route.endpoint(**dict.fromkeys(route.endpoint.__annotations__.keys() - {"return"}))

    frames = traceback.extract_tb(raised.value.__traceback__)
    assert frames[-1].name == operation
