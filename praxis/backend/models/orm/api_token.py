"""API tokens: who may use the HTTP API, and for what (their scopes).

A token's secret is random, shown once when it is issued and stored only as its SHA-256 hash: the
secret has 256 bits of entropy, so a fast hash suffices (nothing to brute-force), and a request is
checked with one read of the unique index on the hash. ``prefix`` (the secret's first characters)
tells tokens apart in a listing without revealing them.
"""

from __future__ import annotations

import enum
import json

from sqlalchemy import CheckConstraint, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from praxis.backend.db.base import Entity


class Scope(enum.StrEnum):
    """What a token may do. Independent of each other: ``admin`` does not include ``read``."""

    READ = "read"  #: every GET (and HEAD)
    RUN = "run"  #: create, queue and control runs; log their calls; record outputs
    WRITE = "write"  #: create, change and delete assets and definitions
    ADMIN = "admin"  #: tokens, protocol discovery


ALL_SCOPES: tuple[Scope, ...] = tuple(Scope)


class ApiTokenOrm(Entity):
    __tablename__ = "api_token"
    __allow_unmapped__ = True  # for ``secret``, which is deliberately no column
    __table_args__ = (
        CheckConstraint(
            "jsonb_typeof(scopes) = 'array' AND scopes <> '[]'::jsonb AND scopes <@ '"
            + json.dumps([scope.value for scope in Scope])
            + "'::jsonb",
            name="scopes",
        ),
    )

    name: Mapped[str] = mapped_column(String(255), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    #: a JSON array of scope names (the bulk insert's unnest cannot carry a PostgreSQL array column)
    scopes: Mapped[list[str]] = mapped_column(JSONB)

    #: the secret itself, on the object that issued it and nowhere else: never a column, never stored
    secret: str | None = None
