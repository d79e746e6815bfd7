"""Labware: the catalog of resource definitions and the resource instances made from them."""

from __future__ import annotations

import enum
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praxis.backend.db.base import Entity, enum_column

if TYPE_CHECKING:
    from praxis.backend.models.orm.deck import DeckOrm
    from praxis.backend.models.orm.workcell import WorkcellOrm


class ResourceCategory(enum.StrEnum):
    PLATE = "plate"
    TIP_RACK = "tip_rack"
    TROUGH = "trough"
    TUBE_RACK = "tube_rack"
    TUBE = "tube"
    CARRIER = "carrier"
    LID = "lid"
    CONTAINER = "container"
    OTHER = "other"


class ResourceStatus(enum.StrEnum):
    AVAILABLE = "available"
    IN_USE = "in_use"
    EMPTY = "empty"
    DEPLETED = "depleted"
    ERROR = "error"
    DISCARDED = "discarded"


class ResourceDefinitionOrm(Entity):
    __tablename__ = "resource_definition"

    name: Mapped[str] = mapped_column(String(255), unique=True)
    fqn: Mapped[str] = mapped_column(String(500), doc="PyLabRobot factory or class of this labware")
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[ResourceCategory] = mapped_column(
        enum_column(ResourceCategory, "category"), default=ResourceCategory.OTHER
    )
    is_consumable: Mapped[bool] = mapped_column(default=True, server_default="true")
    size_x_mm: Mapped[float | None]
    size_y_mm: Mapped[float | None]
    size_z_mm: Mapped[float | None]
    nominal_volume_ul: Mapped[float | None]
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


class ResourceOrm(Entity):
    """A labware instance. It sits either on a deck position (``deck_id`` + ``position_name``, one
    resource per position) or on another resource (``parent_id`` + ``position_name``), or nowhere."""

    __tablename__ = "resource"
    __table_args__ = (
        # NULLs are distinct: the constraint binds only labware placed on a deck.
        UniqueConstraint("deck_id", "position_name"),
        CheckConstraint("deck_id IS NULL OR parent_id IS NULL", name="on_deck_or_on_parent"),
    )

    name: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[ResourceStatus] = mapped_column(
        enum_column(ResourceStatus, "status"), default=ResourceStatus.AVAILABLE
    )
    #: why the labware is in its status ("cracked well C4"); cleared by a status change
    status_details: Mapped[str | None] = mapped_column(Text)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # RESTRICT: the catalog entry of labware in use cannot be removed.
    resource_definition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resource_definition.accession_id", ondelete="RESTRICT"), index=True
    )
    workcell_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("workcell.accession_id", ondelete="RESTRICT"), index=True
    )
    # SET NULL: taking a carrier away leaves the plates it held as free-standing labware.
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resource.accession_id", ondelete="SET NULL"), index=True
    )
    # SET NULL: a deck taken away leaves its labware placed nowhere, not deleted.
    deck_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("deck.accession_id", ondelete="SET NULL"), index=True
    )
    position_name: Mapped[str | None] = mapped_column(
        String(255), doc="slot on the parent or deck position, e.g. 'A1' or 'rail-3'"
    )

    resource_definition: Mapped[ResourceDefinitionOrm] = relationship(lazy="raise")
    workcell: Mapped[WorkcellOrm | None] = relationship(lazy="raise")
    parent: Mapped[ResourceOrm | None] = relationship(lazy="raise", remote_side="ResourceOrm.accession_id")
    deck: Mapped[DeckOrm | None] = relationship(lazy="raise")
