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
    max_file_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1,
        description="The largest file an output may carry (PUT /api/v1/outputs/{id}/file); larger get 413.",
    )
    max_head_bytes: int = Field(
        default=16 * 1024, description="A larger request head gets 414 (its request line alone) or 431."
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
    run_time_limit: float = Field(
        default=3600.0,
        description="Seconds a run's protocol may execute (wall clock) unless the run sets its own.",
    )
    run_memory_limit_mb: int = Field(
        default=4096, description="Address space a run's (or discovery's) child process may use, in MiB."
    )
    discovery_time_limit: float = Field(
        default=60.0, description="Seconds discovery may spend importing a directory's protocol files."
    )
    cancel_grace: float = Field(
        default=5.0,
        description="Seconds a cancelled protocol has to stop at its next call before it is ended.",
    )
    worker_concurrency: int = Field(default=1, description="Runs one worker process executes at once.")
    job_heartbeat_timeout: float = Field(
        default=10.0,
        description="A job whose worker has not reported for this long is taken by another worker, which "
        "fails the run as 'worker lost' if its worker is gone.",
    )
    asset_retry: float = Field(
        default=2.0, description="Seconds before a run whose machines or labware are taken is tried again."
    )
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"],
        description="Host header values the server answers to (others get 400, against DNS rebinding); "
        "'*.lab.example' allows subdomains, '*' any host. A server on a lab network adds its name.",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins whose pages may call the API from a browser (CORS); none by default.",
    )
    open_without_tokens: bool = Field(
        default=False,
        description="Let requests without a token in while no token exists. 'praxis serve' decides it: "
        "on for a loopback address (or with --insecure-open), off on any other.",
    )
    event_buffer: int = Field(
        default=256,
        ge=1,
        description="Events held in memory per event-stream client; one that falls further behind "
        "catches up from the stored events instead (a stalled client never grows memory).",
    )
    pool_size: int = 10
    max_overflow: int = 20
    pool_timeout: float = Field(
        default=5.0,
        description="Seconds a request waits for a pooled database connection, else 503 with Retry-After.",
    )
    statement_timeout: float = Field(
        default=30.0,
        description="Seconds one SQL statement may run, else 503 with Retry-After (0: no limit).",
    )
    lock_timeout: float = Field(
        default=10.0,
        description="Seconds a statement waits for a row another transaction holds, else 503 with "
        "Retry-After (0: no limit).",
    )
    host: str = "127.0.0.1"
    port: int = 8000


@lru_cache
def get_settings() -> Settings:
    return Settings()
