"""Function data outputs: what a protocol run measured or produced."""

from __future__ import annotations

import enum
import hashlib
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praxis.backend.db.base import Base, Entity, Versioned, enum_column

if TYPE_CHECKING:
    from praxis.backend.models.orm.deck import DeckOrm
    from praxis.backend.models.orm.machine import MachineOrm
    from praxis.backend.models.orm.protocol import FunctionCallLogOrm, ProtocolRunOrm
    from praxis.backend.models.orm.resource import ResourceOrm


class DataType(enum.StrEnum):
    NUMERIC = "numeric"
    JSON = "json"
    TEXT = "text"


#: the columns that describe the file an output carries (its bytes are in ``output_file``)
FILE_COLUMNS = ("file_name", "file_content_type", "file_size_bytes", "file_sha256")


def file_columns(data: bytes | None, name: str = "", content_type: str = "") -> dict[str, Any]:
    """What describes a file ``data`` on its output's row; every column None for no file."""
    if data is None:
        return dict.fromkeys(FILE_COLUMNS)
    return {
        "file_name": name[:255],
        "file_content_type": content_type[:127],
        "file_size_bytes": len(data),
        "file_sha256": hashlib.sha256(data).hexdigest(),
    }


class DataOutputOrm(Versioned, Entity):
    __tablename__ = "function_data_output"
    __table_args__ = (
        # The value sits in the column its data type names; the database refuses a mismatch.
        CheckConstraint(
            "(data_type = 'numeric' AND numeric_value IS NOT NULL)"
            " OR (data_type = 'json' AND json_value IS NOT NULL)"
            " OR (data_type = 'text' AND text_value IS NOT NULL)",
            name="value_matches_data_type",
        ),
        CheckConstraint("data_quality_score BETWEEN 0 AND 1", name="data_quality_score"),
        CheckConstraint(
            "(file_name IS NULL) = (file_content_type IS NULL) AND (file_name IS NULL) = (file_size_bytes IS NULL)"
            " AND (file_name IS NULL) = (file_sha256 IS NULL)",
            name="file_described_in_full",
        ),
    )

    name: Mapped[str] = mapped_column(String(255))
    data_type: Mapped[DataType] = mapped_column(enum_column(DataType, "data_type"), default=DataType.NUMERIC)
    numeric_value: Mapped[float | None]
    json_value: Mapped[Any | None] = mapped_column(JSONB(none_as_null=True))
    text_value: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(64))
    spatial_context: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    well_name: Mapped[str | None] = mapped_column(String(16))
    measured_at: Mapped[datetime | None]
    #: how it was measured (wavelength, temperature, gain, read height ...), as the instrument says
    measurement_conditions: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    #: how far the value can be trusted, 0 (not at all) to 1 (fully), as the instrument or analysis says
    data_quality_score: Mapped[float | None]
    #: the file the output carries, if any (its bytes are in ``output_file``, read only on request)
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_content_type: Mapped[str | None] = mapped_column(String(127))
    file_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    # CASCADE: outputs belong to their run. SET NULL: the context objects are informative only.
    protocol_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("protocol_run.accession_id", ondelete="CASCADE"), index=True
    )
    function_call_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("function_call_log.accession_id", ondelete="SET NULL"), index=True
    )
    resource_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resource.accession_id", ondelete="SET NULL"), index=True
    )
    machine_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("machine.accession_id", ondelete="SET NULL"), index=True
    )
    deck_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("deck.accession_id", ondelete="SET NULL"), index=True
    )

    protocol_run: Mapped[ProtocolRunOrm] = relationship(lazy="raise")
    function_call: Mapped[FunctionCallLogOrm | None] = relationship(lazy="raise")
    resource: Mapped[ResourceOrm | None] = relationship(lazy="raise")
    machine: Mapped[MachineOrm | None] = relationship(lazy="raise")
    deck: Mapped[DeckOrm | None] = relationship(lazy="raise")


class OutputFileOrm(Base):
    """A file's bytes, apart from its output's row so that reading outputs never reads them."""

    __tablename__ = "output_file"

    output_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("function_data_output.accession_id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
