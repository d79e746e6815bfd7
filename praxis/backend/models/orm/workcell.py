"""Workcell: one automation setup, the home of machines, labware and runs."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from praxis.backend.db.base import Entity, Versioned, enum_column


class WorkcellStatus(enum.StrEnum):
    AVAILABLE = "available"
    IN_USE = "in_use"
    MAINTENANCE = "maintenance"
    ERROR = "error"
    OFFLINE = "offline"


class WorkcellOrm(Versioned, Entity):
    __tablename__ = "workcell"

    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[WorkcellStatus] = mapped_column(
        enum_column(WorkcellStatus, "status"), default=WorkcellStatus.AVAILABLE
    )
    latest_state: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    allows_concurrent_runs: Mapped[bool] = mapped_column(default=False, server_default="false")
