"""What the OpenAPI document says beyond what FastAPI derives from the routes.

Operation ids are the route functions' names (``start_protocol_run``, ``get_deck``): stable, and what a
generated client calls its methods. Links are derived from the paths, in one rule, so a route added
under an entity is linked without being declared anywhere else: a ``201`` whose body is an entity with
an ``accession_id`` links to every operation on the path one ``{parameter}`` below the create's path,
that parameter taken from the created body and the create's own path parameters passed along. So
``POST /protocols/runs`` links to ``/protocols/runs/{id}`` and its ``/start``, ``/calls`` and the rest,
and ``POST /protocols/runs/{id}/calls`` links to ``/protocols/runs/{id}/calls/{call_id}/end``. Clients
and stateful fuzzers follow the links from what they created to everything they can do with it.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from praxis.backend.api.access import document_security
from praxis.backend.api.errors import ANY_REQUEST_RESPONSES, documented_error
from praxis.backend.api.field_docs import describe

__all__ = ["install", "operation_id"]

_PARAMETER = re.compile(r"^\{(\w+)\}$")
_METHODS = ("get", "put", "post", "patch", "delete")


def operation_id(route: APIRoute) -> str:
    """The route function's name: FastAPI's default appends the path and method to it."""
    return route.name


def install(app: FastAPI) -> None:
    """Complete the document the first time it is generated: the links, the security scheme, each
    operation's scope and the words for every field (``field_docs``)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            _link_created_entities(document)
            describe(document)
            document_security(document)
            _document_any_request_responses(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_any_request_responses(document: dict[str, Any]) -> None:
    """414 and 431 on every operation: any request's head can be over the server's limit."""
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in _METHODS and isinstance(operation, dict):
                responses = operation.setdefault("responses", {})
                for status, description in ANY_REQUEST_RESPONSES.items():
                    responses.setdefault(str(status), documented_error(description))


def _link_created_entities(document: dict[str, Any]) -> None:
    paths: dict[str, dict[str, Any]] = document["paths"]
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    for path, item in paths.items():
        created = item.get("post", {}).get("responses", {}).get("201")
        if created is None or not _is_entity(created, schemas):
            continue
        passed = {name: f"$request.path.{name}" for name in _parameters(path)}
        links: dict[str, Any] = {}
        for target, target_item in paths.items():
            below = _one_parameter_below(path, target)
            if below is None:
                continue
            for method in _METHODS:
                if method in target_item:
                    operation = target_item[method]["operationId"]
                    links[_link_name(operation)] = {
                        "operationId": operation,
                        "parameters": {**passed, below: "$response.body#/accession_id"},
                    }
        if links:
            created["links"] = links


def _is_entity(response: dict[str, Any], schemas: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    reference = schema.get("$ref", "")
    body = schemas.get(reference.rsplit("/", 1)[-1], {}) if reference else schema
    return "accession_id" in body.get("properties", {})


def _parameters(path: str) -> list[str]:
    return [match.group(1) for segment in path.split("/") if (match := _PARAMETER.match(segment))]


def _one_parameter_below(path: str, target: str) -> str | None:
    """The parameter ``target`` adds right below ``path`` when it adds only that one, else ``None``."""
    if not target.startswith(path + "/"):
        return None
    rest = target[len(path) + 1 :].split("/")
    parameter = _PARAMETER.match(rest[0])
    if parameter is None or any(_PARAMETER.match(segment) for segment in rest[1:]):
        return None
    return parameter.group(1)


def _link_name(operation: str) -> str:
    return "".join(word.title() for word in operation.split("_"))
