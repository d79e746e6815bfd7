"""Issuing, listing, revoking and checking API tokens.

A secret is ``prx_`` and 43 URL-safe characters (256 random bits). It exists in clear only on the
object ``issue`` returns (``ApiTokenOrm.secret``): the caller shows it once; the database keeps its
SHA-256 hash. Revoking deletes the token: a revoked secret then matches nothing, exactly like one that
never existed, and its name can be given to a new token.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from praxis.backend.errors import (
    InvalidValueError,
    MissingScopeError,
    NotFoundError,
    UnauthenticatedError,
)
from praxis.backend.models.orm import ALL_SCOPES, ApiTokenOrm, Scope
from praxis.backend.repositories import Repositories
from praxis.backend.services.base import require_repositories

SECRET_PREFIX = "prx_"
#: how much of a secret a listing shows: enough to tell tokens apart, far too little to guess the rest
SHOWN_PREFIX = len(SECRET_PREFIX) + 6


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def stored_columns(secret: str) -> dict[str, str]:
    """What the database keeps of a secret: its hash, and the prefix a listing shows."""
    return {"secret_hash": hash_secret(secret), "prefix": secret[:SHOWN_PREFIX]}


def parse_scopes(values: Iterable[str]) -> list[Scope]:
    """Scopes from names (``read``, ``run``, ``write``, ``admin``; ``all`` for the four), each once,
    in their canonical order; an unknown name is refused naming the valid ones."""
    chosen: set[Scope] = set()
    for value in values:
        for name in filter(None, (part.strip().lower() for part in value.split(","))):
            if name == "all":
                chosen.update(ALL_SCOPES)
                continue
            try:
                chosen.add(Scope(name))
            except ValueError:
                valid = ", ".join([*ALL_SCOPES, "all"])
                raise InvalidValueError(
                    f"unknown scope {name!r}; choose from {valid}", entity="api_token", field="scopes"
                ) from None
    if not chosen:
        raise InvalidValueError("a token needs at least one scope", entity="api_token", field="scopes")
    return [scope for scope in ALL_SCOPES if scope in chosen]


@dataclass(frozen=True)
class Grant:
    """Who a request is, as far as the API cares: a token's name and scopes, or the open server's
    anonymous caller (every scope: a loopback server with no token is open by design)."""

    name: str | None
    scopes: frozenset[str]

    def require(self, scope: Scope) -> None:
        if scope not in self.scopes:
            held = ", ".join(sorted(self.scopes)) or "none"
            raise MissingScopeError(
                f"this operation needs the {scope.value!r} scope; the token {self.name!r} has: {held}",
                entity="api_token",
                field="scopes",
            )


OPEN = Grant(name=None, scopes=frozenset(ALL_SCOPES))


class ApiTokenService:
    def __init__(self, repos: Repositories) -> None:
        self.repos = require_repositories(repos)

    async def issue(self, name: str, scopes: Iterable[str]) -> ApiTokenOrm:
        """A new token; its ``secret`` attribute holds the secret, which nothing can show again."""
        secret = new_secret()
        token = await self.repos.api_token.create(
            name=name, scopes=[scope.value for scope in parse_scopes(scopes)], **stored_columns(secret)
        )
        token.secret = secret
        return token

    async def list(self) -> list[ApiTokenOrm]:
        return await self.repos.api_token.list(order_by="created_at")

    async def revoke(self, name_or_id: str) -> ApiTokenOrm:
        """Delete the token of that name (or id): its secret is refused from the next request on."""
        token = await self.repos.api_token.get_by(name=name_or_id)
        if token is None:
            try:
                token = await self.repos.api_token.get_or_none(uuid.UUID(name_or_id))
            except ValueError:
                token = None
        if token is None:
            raise NotFoundError(f"no API token is named {name_or_id!r}", entity="api_token", field="name")
        await self.repos.api_token.delete(token.accession_id)
        return token

    async def authenticate(self, secret: str | None, *, open_without_tokens: bool) -> Grant:
        """The grant of a request's secret (``None``: it sent none). One indexed read either way.

        A secret must match a token. Without one, the request is let in only when the server was
        started open (on loopback) and no token exists yet; otherwise it is refused.
        """
        if secret is not None:
            token = await self.repos.api_token.by_secret_hash(hash_secret(secret))
            if token is None:
                raise UnauthenticatedError("the API token is not valid (unknown or revoked)")
            return Grant(name=token.name, scopes=frozenset(token.scopes))
        if open_without_tokens and not await self.repos.api_token.any_exist():
            return OPEN
        raise UnauthenticatedError(
            "this server needs an API token: send 'Authorization: Bearer <token>' "
            "(create one with 'praxis token create')"
        )
