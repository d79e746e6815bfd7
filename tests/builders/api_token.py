"""API tokens for tests: ``token = await repos.api_token.create(scopes=["read"])`` stores one and
hands back the row with its secret (``token.secret``), as ``praxis token create`` shows it once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Unpack

from praxis.backend.models.orm import ALL_SCOPES, ApiTokenOrm, Scope
from praxis.backend.repositories.api_token import ApiTokenRepository
from praxis.backend.services.api_token import new_secret, stored_columns
from tests.builders.base import Builder, unique_name

if TYPE_CHECKING:
    from tests.builders.fields import ApiTokenFields


class ApiTokenBuilder(Builder[ApiTokenOrm, ApiTokenRepository]):
    repository_name = "api_token"
    field_types = {"scopes": Sequence[Scope | str]}  # names or members, stored as names

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._secrets: dict[str, str] = {}  # secret hash -> secret, until the row is handed back

    def defaults(self) -> dict[str, Any]:
        secret = new_secret()
        stored = stored_columns(secret)
        self._secrets[stored["secret_hash"]] = secret
        return {"name": unique_name("token"), "scopes": list(ALL_SCOPES), **stored}

    def consistent(self, values: dict[str, Any], parents: dict[str, Any]) -> dict[str, Any]:
        return {**values, "scopes": [Scope(scope).value for scope in values["scopes"]]}

    def _with_secret(self, token: ApiTokenOrm) -> ApiTokenOrm:
        token.secret = self._secrets.pop(token.secret_hash, None)
        return token

    def build(self, **overrides: Unpack[ApiTokenFields]) -> ApiTokenOrm:
        return self._with_secret(super().build(**overrides))

    async def create(self, **overrides: Unpack[ApiTokenFields]) -> ApiTokenOrm:
        """A stored token (every scope unless ``scopes=[...]``), its secret in ``.secret``."""
        return self._with_secret(await super().create(**overrides))

    async def create_batch(self, n: int, **overrides: Unpack[ApiTokenFields]) -> list[ApiTokenOrm]:
        return [self._with_secret(token) for token in await super().create_batch(n, **overrides)]
