"""Decks: deck types (definitions with their positions) and deck instances mounted in machines."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praxis.backend.db.base import API_NAME, Entity, Versioned

if TYPE_CHECKING:
    from praxis.backend.models.orm.machine import MachineOrm
    from praxis.backend.models.orm.workcell import WorkcellOrm


class DeckDefinitionOrm(Versioned, Entity):
    __tablename__ = "deck_definition"

    name: Mapped[str] = mapped_column(String(255), unique=True)
    fqn: Mapped[str] = mapped_column(
        String(500), doc="PyLabRobot deck class, e.g. pylabrobot.resources.hamilton.STARDeck"
    )
    description: Mapped[str | None] = mapped_column(Text)
    size_x_mm: Mapped[float | None]
    size_y_mm: Mapped[float | None]
    size_z_mm: Mapped[float | None]
    positioning_config: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")

    positions: Mapped[list[DeckPositionDefinitionOrm]] = relationship(
        back_populates="deck_definition",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DeckPositionDefinitionOrm.name",
        lazy="raise",
    )


class DeckPositionDefinitionOrm(Entity):
    """A named slot of a deck type; owned by its deck definition and deleted with it."""

    __tablename__ = "deck_position_definition"
    __table_args__ = (UniqueConstraint("deck_definition_id", "name"),)

    deck_definition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("deck_definition.accession_id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    x_mm: Mapped[float | None]
    y_mm: Mapped[float | None]
    z_mm: Mapped[float | None]
    allowed_resource_categories: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")

    deck_definition: Mapped[DeckDefinitionOrm] = relationship(back_populates="positions", lazy="raise")


class DeckOrm(Versioned, Entity):
    __tablename__ = "deck"

    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # RESTRICT both ways: a deck type in use, or a machine that still carries decks, cannot be deleted.
    deck_definition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("deck_definition.accession_id", ondelete="RESTRICT"), index=True
    )
    parent_machine_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("machine.accession_id", ondelete="RESTRICT"), index=True, info={API_NAME: "machine_id"}
    )
    workcell_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("workcell.accession_id", ondelete="RESTRICT"), index=True
    )

    deck_definition: Mapped[DeckDefinitionOrm] = relationship(lazy="raise")
    parent_machine: Mapped[MachineOrm] = relationship(lazy="raise")
    workcell: Mapped[WorkcellOrm | None] = relationship(lazy="raise")
