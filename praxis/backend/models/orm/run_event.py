"""What a run did, as a stream of numbered events: the stored rows that ``Last-Event-ID`` replays.

Rows are written by the database itself (triggers of migration 0005) whenever a run's status changes,
one of its calls is logged or ends, or it records an output; whoever made the change (a worker, the
API, a script) is covered, and in the same transaction as the change. The id is global and
increasing; within one run, ids follow commit order (the triggers serialise a run's writers with an
advisory lock held to commit), so "every event of run R after id N" never skips one committed late.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from praxis.backend.db.base import Base


class RunEventKind(enum.StrEnum):
    STATUS = "status"
    CALL_STARTED = "call_started"
    CALL_ENDED = "call_ended"
    OUTPUT = "output"
    LOG = "log"
    PROGRESS = "progress"


class RunEventOrm(Base):
    __tablename__ = "run_event"
    __table_args__ = (
        Index("ix_run_event_protocol_run_id_id", "protocol_run_id", "id"),
        Index("ix_run_event_status_id", "id", postgresql_where="kind = 'status'"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    protocol_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("protocol_run.accession_id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(server_default=func.statement_timestamp())
