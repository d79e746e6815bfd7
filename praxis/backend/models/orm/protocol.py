"""Protocols: definitions found by discovery, their runs, and the function calls a run logs."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praxis.backend.db.base import Base, Entity, Versioned, enum_column
from praxis.backend.models.enums import SourceKind

if TYPE_CHECKING:
    from praxis.backend.models.orm.workcell import WorkcellOrm


class RunStatus(enum.StrEnum):
    """``pending -> queued -> running <-> paused -> completed | failed | cancelled``
    (``praxis.backend.execution.lifecycle`` holds the rules)."""

    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: a run in one of these has ended and never moves again
FINISHED_RUN_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED})


class CallStatus(enum.StrEnum):
    """A call is logged ``running`` and ended ``completed`` or ``failed`` (the words runs use too);
    ``pending`` before it starts, ``skipped`` when it was never run, ``cancelled`` when its run was
    cancelled while it ran."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class RunControl(enum.StrEnum):
    """What a client asked of a running or paused run; its worker carries it out at the protocol's
    next decorated call and clears it."""

    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"


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
    # Where the code came from, so a run can be traced to the exact source it executed: a git
    # checkout's remote URL, ref and commit, or a file-system directory. Filled in by discovery.
    source_kind: Mapped[SourceKind | None] = mapped_column(enum_column(SourceKind, "source_kind"))
    source_root_path: Mapped[str | None] = mapped_column(Text, doc="the directory discovery scanned")
    source_repository_url: Mapped[str | None] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(String(255), doc="branch or tag checked out")
    commit_hash: Mapped[str | None] = mapped_column(String(64), doc="SHA-1 (40) or SHA-256 (64) hex")


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
    #: why the run is in its status: who queued, paused or cancelled it, what it waits for, how it failed
    status_details: Mapped[str | None] = mapped_column(Text)
    #: a pause, resume or cancel asked of the running (or paused) run, not yet carried out by its worker
    control_request: Mapped[RunControl | None] = mapped_column(enum_column(RunControl, "control_request"))
    #: simulated machines (PyLabRobot's chatterbox backends) unless False
    simulation: Mapped[bool] = mapped_column(default=True, server_default="true")
    #: wall-clock seconds the protocol may run; unset: the worker's default (PRAXIS_RUN_TIME_LIMIT)
    time_limit_seconds: Mapped[float | None]
    queued_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    #: completed_at - started_at, set when the run completes, fails or is cancelled after starting
    duration_ms: Mapped[float | None]
    #: the workcell's state when the run started and when it ended
    initial_state_json: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    final_state_json: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    data_directory_path: Mapped[str | None] = mapped_column(Text)
    # A continuation: this run resumes ``previous_accession_id``. SET NULL: deleting the earlier run
    # leaves this one as a run of its own, which it still is.
    previous_accession_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("protocol_run.accession_id", ondelete="SET NULL"), index=True
    )

    protocol_definition: Mapped[ProtocolDefinitionOrm] = relationship(lazy="raise")
    workcell: Mapped[WorkcellOrm | None] = relationship(lazy="raise")
    previous_run: Mapped[ProtocolRunOrm | None] = relationship(
        lazy="raise", remote_side="ProtocolRunOrm.accession_id"
    )
    function_calls: Mapped[list[FunctionCallLogOrm]] = relationship(
        back_populates="protocol_run",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="FunctionCallLogOrm.sequence",
        lazy="raise",
    )


class FunctionCallLogOrm(Entity):
    """One function call made while a run executed, numbered in order within the run.

    Logged ``running``; ended ``completed`` (with its ``return_value``) or ``failed`` (with its
    ``error_message`` and ``error_traceback``), which stamps ``ended_at`` and ``duration_ms``. A call
    made from inside another names it as ``parent_function_call_log_id`` (same run).
    """

    __tablename__ = "function_call_log"
    __table_args__ = (UniqueConstraint("protocol_run_id", "sequence"),)

    protocol_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("protocol_run.accession_id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    function_name: Mapped[str] = mapped_column(String(255))
    #: the called function's module and qualified name, ``module.qualname``
    fqn: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[CallStatus] = mapped_column(enum_column(CallStatus, "status"), default=CallStatus.RUNNING)
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    #: any JSON value the function returned (a number, a list, an object)
    return_value: Mapped[Any | None] = mapped_column(JSONB(none_as_null=True))
    error_message: Mapped[str | None] = mapped_column(Text)
    error_traceback: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    duration_ms: Mapped[float | None]
    # SET NULL: were a parent call removed, its nested calls stay in the run's log as top-level ones.
    parent_function_call_log_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("function_call_log.accession_id", ondelete="SET NULL"), index=True
    )

    protocol_run: Mapped[ProtocolRunOrm] = relationship(back_populates="function_calls", lazy="raise")
    parent_function_call_log: Mapped[FunctionCallLogOrm | None] = relationship(
        lazy="raise", remote_side="FunctionCallLogOrm.accession_id"
    )


class AssetReservationOrm(Base):
    """A machine or labware held by a run while it executes: the primary key on ``asset_id`` is what
    keeps two runs from holding one asset. Released (deleted) when the run ends."""

    __tablename__ = "asset_reservation"

    asset_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    asset_kind: Mapped[str] = mapped_column(String(16))
    protocol_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("protocol_run.accession_id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.statement_timestamp())
