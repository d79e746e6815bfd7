"""The routes every collection has, generated from its service and schemas.

create (201), list (filters, paging, ordering; total in ``X-Total-Count``), get (200/404), update by
PATCH or PUT (both partial), delete (204/404/409). Each collection answers at ``/x`` and ``/x/``
without a redirect.

A collection's ``/{id}`` never takes the name of a sub-collection (``/decks/types`` is not a deck
with the id ``types``): every method there is the sub-collection's, or a 405 naming the ones it has.
The create response links to every operation on what it created (``praxis.backend.api.openapi``).

No ``from __future__ import annotations`` here: the route signatures use the schema classes passed
in, which FastAPI must see as real types, not as names to resolve later.
"""

import re
import types
import uuid
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, Field, create_model
from starlette.convertors import Convertor, register_url_convertor

from praxis.backend.api.dependencies import UnitOfWorkDep
from praxis.backend.api.errors import responses_for
from praxis.backend.models.schemas.common import ListQuery
from praxis.backend.services.base import CrudService

PAGING_FIELDS = set(ListQuery.model_fields)


def service_dependency(service: type[CrudService[Any]]) -> Callable[..., Any]:
    def provide(uow: UnitOfWorkDep) -> CrudService[Any]:
        return service(uow.repos)

    return provide


class ItemIdConvertor(Convertor[str]):
    """A path segment that is an item's id: anything but the names of the sub-collections beside it.

    The value stays a string, so a malformed id is still a 422 naming ``id`` (FastAPI validates it
    as a UUID); only the literal names are kept out, for the routes that own them. Starlette reads
    ``regex`` from the class, so each set of names gets a subclass (``excluding``).
    """

    regex = "[^/]+"

    @classmethod
    def excluding(cls, reserved: Iterable[str]) -> "ItemIdConvertor":
        names = "|".join(re.escape(name) for name in sorted(reserved))
        pattern = f"(?!(?:{names})(?:/|$))[^/]+" if names else cls.regex
        return type(cls.__name__, (cls,), {"regex": pattern})()

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


def item_path(reserved: Iterable[str]) -> str:
    """``/{id}``, or ``/{id:<convertor>}`` when sub-collections share the prefix (see ItemIdConvertor)."""
    names = sorted(set(reserved))
    if not names:
        return "/{id}"
    convertor = "item_id_except_" + "_".join(re.sub(r"\W", "_", name) for name in names)
    register_url_convertor(convertor, ItemIdConvertor.excluding(names))
    return "/{id:" + convertor + "}"


def ordered_query(query: type[ListQuery], orderable: Iterable[str]) -> type[ListQuery]:
    """The list query with ``order_by`` as the enum of what the collection can sort by, so the
    document offers exactly the values the service accepts."""
    fields = sorted(orderable)
    choices = tuple(value for field in fields for value in (field, f"-{field}"))
    order_by = Field(default="created_at", description="A field to sort by; prefix - for descending order.")
    values: Any = Literal[choices]  # built at run time from the service's fields
    return create_model(
        query.__name__, __base__=query, __module__=query.__module__, order_by=(values, order_by)
    )


async def _create(body: BaseModel, svc: CrudService[Any]) -> Any:
    return await svc.create(body.model_dump())


async def _list(params: ListQuery, svc: CrudService[Any], response: Response) -> Any:
    filters = params.model_dump(exclude=PAGING_FIELDS, exclude_none=True)
    page = await svc.list(filters, order_by=params.order_by, limit=params.limit, offset=params.offset)
    response.headers["X-Total-Count"] = str(page.total)
    return page.items


async def _get(id: uuid.UUID, svc: CrudService[Any]) -> Any:
    return await svc.get(id)


async def _update(id: uuid.UUID, body: BaseModel, svc: CrudService[Any]) -> Any:
    changes = body.model_dump(exclude_unset=True)
    expected = changes.pop("version", None)
    return await svc.update(id, changes, expected_version=expected)


async def _delete(id: uuid.UUID, svc: CrudService[Any]) -> Response:
    await svc.delete(id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def named(function: Callable[..., Any], name: str, **annotations: Any) -> Callable[..., Any]:
    """A copy of ``function`` called ``name`` (in tracebacks and logs too: its code object is renamed),
    with ``annotations`` replacing its parameters' types where FastAPI reads them.

    Each collection's route is then a function of its own, ``create_deck`` or ``list_workcells``,
    taking that collection's own schemas, while its body is written (and type-checked) once above.
    """
    code = function.__code__.replace(co_name=name, co_qualname=name)
    copy = types.FunctionType(code, function.__globals__, name, function.__defaults__, function.__closure__)
    copy.__qualname__ = name
    copy.__module__ = function.__module__
    copy.__doc__ = function.__doc__
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__annotations__ = {**function.__annotations__, **annotations}
    return copy


def crud_router(
    *,
    prefix: str,
    tag: str,
    service: type[CrudService[Any]],
    create: type[BaseModel],
    update: type[BaseModel],
    read: type[BaseModel],
    query: type[ListQuery],
    sub_collections: Iterable[str] = (),
) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=[tag])
    svc: Any = Annotated[CrudService[Any], Depends(service_dependency(service))]
    name = tag.rstrip("s")
    params: Any = Annotated[ordered_query(query, service.orderable), Query()]
    item = item_path(sub_collections)
    create_one = named(_create, f"create_{name}", body=create, svc=svc)
    list_all = named(_list, f"list_{tag}", params=params, svc=svc)
    get_one = named(_get, f"get_{name}", svc=svc)
    update_one = named(_update, f"update_{name}", body=update, svc=svc)
    delete_one = named(_delete, f"delete_{name}", svc=svc)

    for path, in_schema in (("", True), ("/", False)):
        router.add_api_route(
            path,
            create_one,
            methods=["POST"],
            response_model=read,
            status_code=status.HTTP_201_CREATED,
            summary=f"Create a {name}",
            operation_id=f"create_{name}" if in_schema else f"create_{name}_slash",
            include_in_schema=in_schema,
            responses=responses_for(409, 413, 422),
        )
        router.add_api_route(
            path,
            list_all,
            methods=["GET"],
            response_model=types.GenericAlias(list, (read,)),
            summary=f"List {tag}",
            operation_id=f"list_{tag}" if in_schema else f"list_{tag}_slash",
            include_in_schema=in_schema,
            responses=responses_for(422),
        )
    router.add_api_route(
        item,
        get_one,
        methods=["GET"],
        response_model=read,
        summary=f"Get a {name}",
        operation_id=f"get_{name}",
        responses=responses_for(404, 422),
    )
    for method in ("PATCH", "PUT"):
        router.add_api_route(
            item,
            update_one,
            methods=[method],
            response_model=read,
            summary=f"Update a {name} ({method}: only the fields sent change)",
            operation_id=f"{method.lower()}_{name}",
            responses=responses_for(404, 409, 413, 422),
        )
    router.add_api_route(
        item,
        delete_one,
        responses=responses_for(404, 409, 422),
        methods=["DELETE"],
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary=f"Delete a {name}",
        operation_id=f"delete_{name}",
    )
    return router
