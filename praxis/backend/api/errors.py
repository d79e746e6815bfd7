"""One JSON shape for every error (``ErrorBody``), and the status each kind of error gets."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from praxis.backend.errors import (
    ConflictError,
    InvalidReferenceError,
    InvalidValueError,
    NotFoundError,
    PraxisError,
)
from praxis.backend.models.schemas.common import ErrorBody

log = logging.getLogger(__name__)

STATUS = {NotFoundError: 404, ConflictError: 409, InvalidReferenceError: 422, InvalidValueError: 422}

#: for the OpenAPI document: the error responses every route may give
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such entity"},
    409: {"model": ErrorBody, "description": "Conflicts with what is stored"},
    422: {"model": ErrorBody, "description": "Invalid input or unknown reference"},
    503: {"model": ErrorBody, "description": "The database is unavailable"},
}


def error_response(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    body = ErrorBody(detail=detail, code=code, **extra).model_dump(exclude_none=True)
    return JSONResponse(status_code=status, content=jsonable_encoder(body))


async def praxis_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PraxisError)
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    return error_response(status, exc.code, exc.message, entity=exc.entity, field=exc.field)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": list(error.get("loc", ())),
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request", "type": ""}
    if first["type"] == "json_invalid":
        where = "body"  # the loc of a JSON syntax error is a character offset, not a field
    else:
        where = ".".join(str(part) for part in first["loc"][1:]) or ".".join(
            str(part) for part in first["loc"]
        )
    detail = f"{where}: {first['msg']}" if where else str(first["msg"])
    return error_response(422, "validation_error", detail, field=where or None, errors=errors)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's "error parsing the body" (a body that is not what its content type says): invalid
        # input like any other, so the same 422 as a body that fails validation
        return error_response(422, "validation_error", f"body: {exc.detail}", field="body")
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    response = error_response(
        exc.status_code, codes.get(exc.status_code, f"http_{exc.status_code}"), str(exc.detail)
    )
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(allowed_methods(request))
    return response


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path.

    Starlette's 405 names only the methods of the first route whose path matched, but a collection's
    list (GET) and create (POST) are routes of their own: its ``Allow`` would say POST alone. Asking
    the router, method by method, whether a route would take the request covers included routers too.
    """
    routes = request.app.router.routes
    return [
        method
        for method in HTTP_METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]


def _database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, ConnectionError | TimeoutError | OSError)


async def database_error(request: Request, exc: Exception) -> JSONResponse:
    """Database and network failures: 503 when the database cannot be reached, else a logged 500.

    Registered for these classes specifically (not only under ``Exception``): Starlette's handler for
    ``Exception`` answers and then re-raises, which would log a traceback for every request made
    while the database is down.
    """
    if _database_unavailable(exc):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return error_response(503, "database_unavailable", "the database is unavailable; try again shortly")
    return await unexpected_error(request, exc)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(PraxisError, praxis_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(OSError, database_error)
    app.add_exception_handler(Exception, unexpected_error)
