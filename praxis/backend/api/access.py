"""Who may call what: each operation's scope by one rule, the token check, and the browser guards.

**Scopes.** An operation's scope follows from its method and path, never from a list of routes, so a
route added later gets the right one without being declared anywhere (``required_scope``):

- ``/api/v1/tokens...`` and ``/api/v1/protocols/discover``: ``admin``, whatever the method;
- reads (GET, HEAD, OPTIONS) anywhere else under ``/api/v1``: ``read``;
- writes under ``/api/v1/protocols/runs`` (create, queue, start, pause, cancel a run; log and end its
  calls) and ``/api/v1/outputs`` (record outputs): ``run``;
- every other write (assets and definitions): ``write``;
- outside ``/api/v1`` (``/health``, ``/docs``, ``/openapi.json``): no token needed.

The check (``authorize``) is a dependency of every route, on the request's own unit of work: one
indexed read per request, in the transaction the route then uses. The OpenAPI document states the
scheme and each operation's scope from the same rule (``document_security``).

**Browsers.** A page on another site can make a browser send a "simple" request (a form post, a
``text/plain`` fetch) with no preflight, and DNS rebinding can make a browser address a loopback
server under a name of the attacker's. ``HostAllowlist`` answers 400 to a ``Host`` not allowed
(``allowed_hosts``). A POST, PUT, PATCH or DELETE with neither an ``Authorization`` header (which no
simple request can carry) nor a JSON content type is refused with 415 by ``authorize``, after the
token check: a server that needs a token says 401 first, and an open one (loopback, no token yet)
still cannot be driven by a form. CORS stays off unless ``cors_origins`` names origins.

**Pages.** The run pages (``/runs``) need a token as the API does, unless the server is open. A
browser cannot put a header on an ``EventSource``, so ``/login`` takes a token once and keeps it in an
``HttpOnly``, ``SameSite=Strict`` cookie, which the API accepts as it accepts the header (a write it
carries must still be JSON).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from fastapi import Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from praxis.backend.api.dependencies import UnitOfWorkDep
from praxis.backend.api.errors import documented_error, error_response
from praxis.backend.errors import UnauthenticatedError, UnsupportedMediaTypeError
from praxis.backend.models.orm import Scope as TokenScope
from praxis.backend.models.schemas.common import ErrorBody
from praxis.backend.services.api_token import ApiTokenService, Grant
from praxis.backend.services.schema import check_schema
from praxis.backend.services.unit_of_work import UnitOfWork

API_PREFIX = "/api/v1"
READS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: (path prefix under the API, the methods it covers or None for all, the scope), first match wins
SCOPE_RULES: tuple[tuple[str, frozenset[str] | None, TokenScope], ...] = (
    ("/tokens", None, TokenScope.ADMIN),
    ("/protocols/discover", None, TokenScope.ADMIN),
    ("", READS, TokenScope.READ),
    ("/protocols/runs", WRITES, TokenScope.RUN),
    ("/outputs", WRITES, TokenScope.RUN),
    ("", None, TokenScope.WRITE),
)

SCHEME = "bearer"
#: the cookie the run pages' sign-in sets (``/login``): the token, for the pages and their scripts
SIGN_IN_COOKIE = "praxis_token"


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def required_scope(method: str, path: str) -> TokenScope | None:
    """The scope ``method path`` needs (a concrete path or a route's template); None: no token."""
    if not _under(path, API_PREFIX):
        return None
    rest = path[len(API_PREFIX) :]
    for prefix, methods, scope in SCOPE_RULES:
        if (not prefix or _under(rest, prefix)) and (methods is None or method.upper() in methods):
            return scope
    raise AssertionError("the last rule matches everything")


def json_media_type(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def bearer_secret(header: str | None) -> str | None:
    """The secret of an ``Authorization: Bearer <secret>`` header; None when there is no header."""
    if header is None:
        return None
    kind, _, secret = header.strip().partition(" ")
    if kind.lower() != "bearer" or not secret.strip():
        raise UnauthenticatedError("the Authorization header must be 'Bearer <token>'")
    return secret.strip()


async def ensure_schema(request: Request, uow: UnitOfWork) -> None:
    """503 naming the revisions until the database is at the schema this Praxis needs (checked per
    request until seen once, so a ``praxis db upgrade`` run meanwhile needs no restart). An app built
    without its lifespan (the tests', on their migrated template) has no revision to check against."""
    state = request.app.state
    required = getattr(state, "required_revision", None)
    if required is None or state.schema_ready:
        return
    await check_schema(uow.repos, required, state.database_name)
    state.schema_ready = True


def request_secret(request: Request) -> str | None:
    """The request's token: its ``Authorization`` header, else the pages' sign-in cookie (``SameSite=
    Strict``, so no request another site makes a browser send carries it)."""
    secret = bearer_secret(request.headers.get("authorization"))
    return secret if secret is not None else request.cookies.get(SIGN_IN_COOKIE) or None


async def authorize(request: Request, uow: UnitOfWorkDep) -> Grant | None:
    """Refuse the request unless its token (or the open server) grants the operation's scope; and
    refuse a write admitted without a token header unless it is JSON (see the module's docstring)."""
    header = bearer_secret(request.headers.get("authorization"))
    secret = request_secret(request)
    needed = required_scope(request.method, request.scope["path"])
    grant = None
    if needed is not None:
        await ensure_schema(request, uow)
        service = ApiTokenService(uow.repos)
        open_server = request.app.state.settings.open_without_tokens
        grant = await service.authenticate(secret, open_without_tokens=open_server)
        grant.require(needed)
    if (
        header is None
        and request.method in WRITES
        and not json_media_type(request.headers.get("content-type"))
    ):
        raise UnsupportedMediaTypeError(
            f"a {request.method} without an Authorization header must send 'Content-Type: "
            "application/json': no HTML form or other cross-site request may change anything",
            field="Content-Type",
        )
    return grant


#: every route's first dependency (``create_app`` declares it on the application)
AUTHORIZED = Depends(authorize)

ACCESS_RESPONSES: dict[int, str] = {
    401: "No API token, or one that is not valid",
    403: "The token lacks the scope this operation needs",
    415: "A write sent without a token (an open server) that is not JSON",
}


def document_security(document: dict[str, Any]) -> None:
    """The bearer scheme, and on every operation the scope ``required_scope`` gives it (OpenAPI 3.1
    lets a non-OAuth requirement list role names), with its 401 and 403 answers."""
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token ('praxis token create'). Each operation lists the one scope it "
        "needs: read, run, write or admin. A server on loopback with no token created runs open.",
    }
    schemas = components.setdefault("schemas", {})
    schemas.setdefault("ErrorBody", ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}"))
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            scope = required_scope(method, path)
            if scope is None or not isinstance(operation, dict):
                continue
            operation["security"] = [{SCHEME: [scope.value]}]
            operation["description"] = (
                operation.get("description", "") + f"\n\nNeeds an API token with the `{scope.value}` scope."
            ).strip()
            responses = operation.setdefault("responses", {})
            for status, description in ACCESS_RESPONSES.items():
                if status == 415 and method.upper() not in WRITES:
                    continue
                responses.setdefault(str(status), documented_error(description))


# -- browsers ---------------------------------------------------------------------------------------

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def host_name(header: str) -> str:
    """The name of a ``Host`` header, without its port; an IPv6 literal without its brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_allowed(name: str, allowed: Iterable[str]) -> bool:
    """``*`` allows any host; ``*.lab.example`` a domain's subdomains; else the name itself."""
    for pattern in allowed:
        pattern = host_name(pattern)
        if pattern == "*" or name == pattern:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


def is_loopback(host: str) -> bool:
    """Whether a bind address reaches this machine only."""
    if host_name(host) == "localhost":
        return True
    try:
        return ipaddress.ip_address(host_name(host)).is_loopback
    except ValueError:
        return False


class HostAllowlist:
    """400 for a ``Host`` the server does not answer to (see the module's docstring)."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = LOOPBACK_HOSTS) -> None:
        self.app = app
        self.allowed_hosts = tuple(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        if not host_allowed(host_name(host), self.allowed_hosts):
            response = error_response(
                400,
                "host_not_allowed",
                f"the Host {host_name(host)!r} is not one this server answers to; allowed: "
                f"{', '.join(self.allowed_hosts)} (setting PRAXIS_ALLOWED_HOSTS)",
                field="Host",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
