"""Protocols: definitions found by discovery, their runs, and the function calls a run logs."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praxis.backend.db.base import Entity, Versioned, enum_column

if TYPE_CHECKING:
    from praxis.backend.models.orm.workcell import WorkcellOrm


class RunStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class CallStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ProtocolDefinitionOrm(Entity):
    """One version of a protocol function; discovery upserts on (fqn, version)."""

    __tablename__ = "protocol_definition"
    __table_args__ = (UniqueConstraint("fqn", "version"),)

    name: Mapped[str] = mapped_column(String(255), index=True)
    fqn: Mapped[str] = mapped_column(String(500))
    version: Mapped[str] = mapped_column(String(64), default="0.1.0")
    description: Mapped[str | None] = mapped_column(Text)
    module_name: Mapped[str | None] = mapped_column(String(500))
    function_name: Mapped[str | None] = mapped_column(String(255))
    source_file_path: Mapped[str | None] = mapped_column(Text)
    source_hash: Mapped[str | None] = mapped_column(String(64))
    is_inferred: Mapped[bool] = mapped_column(default=False, server_default="false")
    parameters: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    required_assets: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")


class ProtocolRunOrm(Versioned, Entity):
    __tablename__ = "protocol_run"

    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[RunStatus] = mapped_column(
        enum_column(RunStatus, "status"), default=RunStatus.PENDING, index=True
    )
    # RESTRICT: a definition with recorded runs stays, or the runs would lose what they executed.
    protocol_definition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("protocol_definition.accession_id", ondelete="RESTRICT"), index=True
    )
    workcell_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("workcell.accession_id", ondelete="RESTRICT"), index=True
    )
    input_parameters: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    output_data: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    error_message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    protocol_definition: Mapped[ProtocolDefinitionOrm] = relationship(lazy="raise")
    workcell: Mapped[WorkcellOrm | None] = relationship(lazy="raise")
    function_calls: Mapped[list[FunctionCallLogOrm]] = relationship(
        back_populates="protocol_run",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="FunctionCallLogOrm.sequence",
        lazy="raise",
    )


class FunctionCallLogOrm(Entity):
    """One function call made while a run executed, numbered in order within the run."""

    __tablename__ = "function_call_log"
    __table_args__ = (UniqueConstraint("protocol_run_id", "sequence"),)

    protocol_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("protocol_run.accession_id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    function_name: Mapped[str] = mapped_column(String(255))
    status: Mapped[CallStatus] = mapped_column(enum_column(CallStatus, "status"), default=CallStatus.RUNNING)
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    return_value: Mapped[dict[str, Any] | None] = mapped_column()
    error_message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    protocol_run: Mapped[ProtocolRunOrm] = relationship(back_populates="function_calls", lazy="raise")
