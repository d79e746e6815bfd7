"""One JSON shape for every error (``ErrorBody``), and the status each kind of error gets.

The statuses divide the blame the way the OpenAPI document can state it:

- 422: the request does not match the document (a type, format, length, pattern, enum, nesting depth
  or size); the body names the field.
- 409: the request matches the document but not what is stored, or breaks a rule the document cannot
  state: a duplicate, a stale version, a reference to an entity that does not exist, a run in the
  wrong state, two positions with one name.
- 404: the id in the path names nothing; 403: the server does not allow the operation here.

Error texts are written by Praxis: never SQL, driver or Python text.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from praxis.backend.api.asgi import TrackedSend
from praxis.backend.errors import (
    ConflictError,
    DatabaseNotReadyError,
    ForbiddenError,
    InvalidReferenceError,
    InvalidValueError,
    MissingScopeError,
    NotFoundError,
    PayloadTooLargeError,
    PraxisError,
    UnauthenticatedError,
    UnsupportedMediaTypeError,
)
from praxis.backend.models.schemas.common import ErrorBody

log = logging.getLogger(__name__)

STATUS = {
    NotFoundError: 404,
    ConflictError: 409,
    InvalidReferenceError: 409,
    InvalidValueError: 409,
    ForbiddenError: 403,
    UnauthenticatedError: 401,
    MissingScopeError: 403,
    UnsupportedMediaTypeError: 415,
    PayloadTooLargeError: 413,
    DatabaseNotReadyError: 503,
}

#: pydantic error type of a validator's rule that the OpenAPI document cannot state (see the module)
RULE_VIOLATION = "rule_violation"

#: for the OpenAPI document: the error responses a route may give
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "The server does not allow this here"},
    404: {"model": ErrorBody, "description": "No entity has the id in the path"},
    409: {
        "model": ErrorBody,
        "description": "Well-formed, but at odds with what is stored or with a rule beyond this "
        "document: a duplicate, a stale version, a referenced entity that does not exist, a state "
        "that does not allow the change",
    },
    413: {"model": ErrorBody, "description": "The request body is larger than the server accepts"},
    422: {"model": ErrorBody, "description": "The request does not match this document; names the field"},
    503: {
        "model": ErrorBody,
        "description": "The database is unavailable, busy (with Retry-After), missing, or not migrated",
    },
}


#: responses any request can get, whatever its operation: added to every operation of the document
#: (``praxis.backend.api.openapi``); see ``praxis.backend.api.limits.head_refusal``
ANY_REQUEST_RESPONSES: dict[int, str] = {
    414: "The request line (path and query string) is longer than the server accepts",
    431: "The request's header fields make its head larger than the server accepts",
}


def documented_error(description: str) -> dict[str, Any]:
    """An error response as the OpenAPI document states it (the API's ``ErrorBody``, as JSON)."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }


def responses_for(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented error responses of one route: ``statuses``, 413 where it takes a body, and
    503 (any route can meet a database that is down)."""
    return {status: ERROR_RESPONSES[status] for status in (*statuses, 503)}


def error_response(
    status: int, code: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """The API's error shape; also what the ASGI middlewares answer with (``await response(scope,
    receive, send)``), so an error looks the same whichever layer refuses the request."""
    body = ErrorBody(detail=detail, code=code, **extra).model_dump(exclude_none=True)
    return JSONResponse(status_code=status, content=jsonable_encoder(body), headers=headers)


async def praxis_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PraxisError)
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    # RFC 9110: a 401 names the scheme that would be accepted
    headers = {"WWW-Authenticate": 'Bearer realm="praxis"'} if status == 401 else None
    return error_response(status, exc.code, exc.message, entity=exc.entity, field=exc.field, headers=headers)


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
    status, code = 422, "validation_error"
    if errors and all(error["type"] == RULE_VIOLATION for error in errors):
        status, code = 409, "invalid_value"  # well-formed, but against a rule the document cannot state
    if first["type"] == "json_invalid":
        where = "body"  # the loc of a JSON syntax error is a character offset, not a field
    else:
        where = ".".join(str(part) for part in first["loc"][1:]) or ".".join(
            str(part) for part in first["loc"]
        )
    message = str(first["msg"])
    detail = f"{where}: {message.removeprefix('Value error, ')}" if where else message
    return error_response(status, code, detail, field=where or None, errors=errors)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's "error parsing the body" (a body that is not what its content type says): invalid
        # input like any other, so the same 422 as a body that fails validation
        return error_response(422, "validation_error", f"body: {exc.detail}", field="body")
    codes = {404: "not_found", 405: "method_not_allowed", 408: "request_timeout", 413: "payload_too_large"}
    response = error_response(
        exc.status_code, codes.get(exc.status_code, f"http_{exc.status_code}"), str(exc.detail)
    )
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405:
        allowed = allowed_methods(request)
        if request.method == "OPTIONS":
            # OPTIONS asks what the path serves; the answer is the Allow header, not an error
            return Response(status_code=204, headers={"Allow": ", ".join(allowed)})
        response.headers["Allow"] = ", ".join(allowed)
    return response


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path.

    Starlette's 405 names only the methods of the first route whose path matched, but a collection's
    list (GET) and create (POST) are routes of their own: its ``Allow`` would say POST alone. Asking
    the router, method by method, whether a route would take the request covers included routers too.
    """
    routes = request.app.router.routes
    allowed = {
        method
        for method in HTTP_METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    }
    if "GET" in allowed:
        allowed.add("HEAD")  # served for every GET (see praxis.backend.api.methods.HeadAsGet)
    if allowed:
        allowed.add("OPTIONS")
    return [method for method in HTTP_METHODS if method in allowed]


def _database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    # a socket's errors (refused, unreachable, a missing Unix socket) name no file; the filesystem's
    # do, and a filesystem error is no outage but a fault of this server's, answered 500 and logged
    return isinstance(exc, OSError) and exc.filename is None


#: SQLSTATEs of a database that is up but too busy right now: a lock wait or a statement past its
#: timeout, no connection slot left. Worth retrying shortly, so 503 with ``Retry-After``.
BUSY = {"55P03": "lock_not_available", "57014": "query_canceled", "53300": "too_many_connections"}
#: a table or column the code expects is missing: the schema is behind this Praxis
SCHEMA_MISSING = {"42P01", "42703"}
INVALID_CATALOG_NAME = "3D000"
RETRY_AFTER_S = 2


def sqlstate_of(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")


def database_busy() -> JSONResponse:
    return error_response(
        503,
        "database_busy",
        "the database is busy (every connection in use, or a row held by another transaction); "
        f"try again in {RETRY_AFTER_S} s",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def database_error(request: Request, exc: Exception) -> JSONResponse:
    """Database and network failures: 503 when the database cannot serve (unreachable, missing, not
    migrated, busy), else a logged 500.

    Registered for these classes specifically (not only under ``Exception``): Starlette's handler for
    ``Exception`` answers and then re-raises, which would log a traceback for every request made
    while the database is down.
    """
    sqlstate = sqlstate_of(exc)
    if isinstance(exc, PoolTimeoutError) or sqlstate in BUSY:
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        return database_busy()
    if sqlstate == INVALID_CATALOG_NAME:
        name = getattr(request.app.state, "database_name", None)
        return error_response(
            503,
            "database_missing",
            f"the database {name!r} does not exist: create it, then run `praxis db upgrade`",
        )
    if sqlstate in SCHEMA_MISSING:
        return error_response(
            503,
            DatabaseNotReadyError.code,
            "the database's schema is not the one this Praxis needs: run `praxis db upgrade`",
        )
    if _database_unavailable(exc):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return error_response(503, "database_unavailable", "the database is unavailable; try again shortly")
    return await unexpected_error(request, exc)


class UnexpectedErrors:
    """Answers an exception no handler took with the logged 500, and is done with it.

    Starlette's own last resort answers and then re-raises, and the server, seeing the exception,
    drops the connection without having said ``Connection: close``: a keep-alive client learns it
    only when its next request fails. Here the 500 is a complete response and the connection stays
    usable; an exception after the response has started is left to the server (nothing else can be
    said on that connection).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracked = TrackedSend(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if tracked.started:
                raise
            response = await unexpected_error(Request(scope), exc)
            await response(scope, receive, send)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(PraxisError, praxis_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(PoolTimeoutError, database_error)
    app.add_exception_handler(OSError, database_error)
    app.add_exception_handler(Exception, unexpected_error)
