"""Runtime configuration, read from the environment (prefix ``PRAXIS_``) and an optional ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRAXIS_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the PostgreSQL database (postgresql+asyncpg://...). "
        "Unset: Praxis starts an embedded PostgreSQL server from its pip wheel.",
    )
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("praxis")),
        description="Where the embedded PostgreSQL server keeps its data directory.",
    )
    protocol_roots: list[Path] = Field(
        default_factory=list,
        description="Directories that protocol discovery may scan; a discovery path must lie under one.",
    )
    max_body_bytes: int = Field(default=1024 * 1024, description="Larger request bodies get 413.")
    max_head_bytes: int = Field(
        default=16 * 1024, description="A larger request line and headers get 400 (praxis serve)."
    )
    keep_alive_timeout: int = Field(
        default=5, description="Seconds an idle keep-alive connection stays open (praxis serve)."
    )
    head_timeout: float = Field(
        default=10.0, description="Seconds for a request line and headers to arrive, else 408 (praxis serve)."
    )
    body_timeout: float = Field(
        default=30.0, description="Seconds for a whole request body to arrive, else 408."
    )
    pool_size: int = 10
    max_overflow: int = 20
    host: str = "127.0.0.1"
    port: int = 8000


@lru_cache
def get_settings() -> Settings:
    return Settings()
