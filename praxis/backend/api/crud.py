"""The routes every collection has, generated from its service and schemas.

create (201), list (filters, paging, ordering; total in ``X-Total-Count``), get (200/404), update by
PATCH or PUT (both partial), delete (204/404/409). Each collection answers at ``/x`` and ``/x/``
without a redirect.

No ``from __future__ import annotations`` here: the route signatures use the schema classes passed
in, which FastAPI must see as real types, not as names to resolve later.
"""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel

from praxis.backend.api.dependencies import UnitOfWorkDep
from praxis.backend.api.errors import ERROR_RESPONSES
from praxis.backend.models.schemas.common import ListQuery
from praxis.backend.services.base import CrudService

PAGING_FIELDS = set(ListQuery.model_fields)


def service_dependency(service: type[CrudService[Any]]) -> Callable[..., Any]:
    def provide(uow: UnitOfWorkDep) -> CrudService[Any]:
        return service(uow.repos)

    return provide


def crud_router(
    *,
    prefix: str,
    tag: str,
    service: type[CrudService[Any]],
    create: type[BaseModel],
    update: type[BaseModel],
    read: type[BaseModel],
    query: type[ListQuery],
) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=[tag], responses=ERROR_RESPONSES)
    Service = Annotated[CrudService[Any], Depends(service_dependency(service))]
    name = tag.rstrip("s")

    async def create_one(body: create, svc: Service) -> Any:  # type: ignore[valid-type]
        return await svc.create(body.model_dump())  # type: ignore[attr-defined]

    async def list_all(params: Annotated[query, Query()], svc: Service, response: Response) -> Any:  # type: ignore[valid-type]
        filters = params.model_dump(exclude=PAGING_FIELDS, exclude_none=True)  # type: ignore[attr-defined]
        page = await svc.list(filters, order_by=params.order_by, limit=params.limit, offset=params.offset)  # type: ignore[attr-defined]
        response.headers["X-Total-Count"] = str(page.total)
        return page.items

    async def get_one(id: uuid.UUID, svc: Service) -> Any:
        return await svc.get(id)

    async def update_one(id: uuid.UUID, body: update, svc: Service) -> Any:  # type: ignore[valid-type]
        changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        expected = changes.pop("version", None)
        return await svc.update(id, changes, expected_version=expected)

    async def delete_one(id: uuid.UUID, svc: Service) -> Response:
        await svc.delete(id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    for path, in_schema in (("", True), ("/", False)):
        router.add_api_route(
            path,
            create_one,
            methods=["POST"],
            response_model=read,
            status_code=status.HTTP_201_CREATED,
            summary=f"Create a {name}",
            operation_id=f"create_{tag}" if in_schema else f"create_{tag}_slash",
            include_in_schema=in_schema,
        )
        router.add_api_route(
            path,
            list_all,
            methods=["GET"],
            response_model=list[read],  # type: ignore[valid-type]
            summary=f"List {tag}",
            operation_id=f"list_{tag}" if in_schema else f"list_{tag}_slash",
            include_in_schema=in_schema,
        )
    router.add_api_route(
        "/{id}",
        get_one,
        methods=["GET"],
        response_model=read,
        summary=f"Get a {name}",
        operation_id=f"get_{name}",
    )
    for method in ("PATCH", "PUT"):
        router.add_api_route(
            "/{id}",
            update_one,
            methods=[method],
            response_model=read,
            summary=f"Update a {name} ({method}: only the fields sent change)",
            operation_id=f"{method.lower()}_{name}",
        )
    router.add_api_route(
        "/{id}",
        delete_one,
        methods=["DELETE"],
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary=f"Delete a {name}",
        operation_id=f"delete_{name}",
    )
    return router
