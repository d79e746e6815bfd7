"""Machine: an instrument (liquid handler, plate reader, ...) identified by its PyLabRobot class."""

from __future__ import annotations

import enum
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praxis.backend.db.base import Entity, Versioned, enum_column

if TYPE_CHECKING:
    from praxis.backend.models.orm.workcell import WorkcellOrm


class MachineStatus(enum.StrEnum):
    AVAILABLE = "available"
    IN_USE = "in_use"
    MAINTENANCE = "maintenance"
    ERROR = "error"
    OFFLINE = "offline"


class MachineOrm(Versioned, Entity):
    __tablename__ = "machine"

    name: Mapped[str] = mapped_column(String(255), unique=True)
    fqn: Mapped[str] = mapped_column(
        String(500), doc="PyLabRobot class, e.g. pylabrobot.liquid_handling.LiquidHandler"
    )
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[MachineStatus] = mapped_column(
        enum_column(MachineStatus, "status"), default=MachineStatus.AVAILABLE
    )
    #: why the machine is in its status ("door open", "firmware update"); cleared by a status change
    status_details: Mapped[str | None] = mapped_column(Text)
    connection_info: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # RESTRICT: a workcell that still holds machines cannot vanish under them.
    workcell_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("workcell.accession_id", ondelete="RESTRICT"), index=True
    )

    workcell: Mapped[WorkcellOrm | None] = relationship(lazy="raise")
