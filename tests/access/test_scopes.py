"""The rule that gives each operation its scope, on the routes that exist and on routes to come:
a route added under a prefix gets that prefix's scope without being declared anywhere."""

from __future__ import annotations

import pytest

from praxis.backend.api.access import required_scope
from praxis.backend.models.orm import Scope

RUNS = "/api/v1/protocols/runs"


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/api/v1/workcells", Scope.READ),
        ("HEAD", "/api/v1/decks/types/{id}", Scope.READ),
        ("GET", f"{RUNS}/{{id}}/calls/tree", Scope.READ),
        ("POST", "/api/v1/workcells", Scope.WRITE),
        ("DELETE", "/api/v1/decks/types/{id}", Scope.WRITE),
        ("PATCH", "/api/v1/protocols/definitions/{id}", Scope.WRITE),
        ("POST", RUNS, Scope.RUN),
        ("POST", f"{RUNS}/{{id}}/cancel", Scope.RUN),
        ("POST", f"{RUNS}/{{id}}/queue", Scope.RUN),  # routes execution adds: no list to update
        ("POST", f"{RUNS}/{{id}}/pause", Scope.RUN),
        ("POST", f"{RUNS}/{{id}}/calls/{{call_id}}/end", Scope.RUN),
        ("POST", "/api/v1/outputs/wells", Scope.RUN),
        ("POST", "/api/v1/protocols/discover", Scope.ADMIN),
        ("GET", "/api/v1/tokens", Scope.ADMIN),
        ("DELETE", "/api/v1/tokens/{id}", Scope.ADMIN),
        ("GET", "/api/v1/anything-new", Scope.READ),
        ("PUT", "/api/v1/anything-new/{id}", Scope.WRITE),
        ("GET", "/health", None),
        ("GET", "/docs", None),
        ("GET", "/api/v1x/workcells", None),
    ],
)
def test_the_scope_follows_from_method_and_path(method: str, path: str, scope: Scope | None) -> None:
    assert required_scope(method, path) == scope
