"""Outputs that carry a file: its name, media type, size and SHA-256 on the output's row (read with
every output, no extra query), its bytes in a table of their own (``output_file``), read only when the
file is asked for. A file belongs to its output: deleting the output deletes it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: new columns and a new table only: no stored row is changed
changes_data = False


def upgrade() -> None:
    op.add_column("function_data_output", sa.Column("file_name", sa.String(length=255), nullable=True))
    op.add_column(
        "function_data_output", sa.Column("file_content_type", sa.String(length=127), nullable=True)
    )
    op.add_column("function_data_output", sa.Column("file_size_bytes", sa.BigInteger(), nullable=True))
    op.add_column("function_data_output", sa.Column("file_sha256", sa.String(length=64), nullable=True))
    op.create_check_constraint(
        op.f("ck_function_data_output_file_described_in_full"),
        "function_data_output",
        "(file_name IS NULL) = (file_content_type IS NULL) AND (file_name IS NULL) = (file_size_bytes IS NULL)"
        " AND (file_name IS NULL) = (file_sha256 IS NULL)",
    )
    op.create_table(
        "output_file",
        sa.Column("output_id", sa.UUID(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["output_id"],
            ["function_data_output.accession_id"],
            name=op.f("fk_output_file_output_id_function_data_output"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("output_id", name=op.f("pk_output_file")),
    )


def downgrade() -> None:
    op.drop_table("output_file")
    op.drop_constraint(
        op.f("ck_function_data_output_file_described_in_full"), "function_data_output", type_="check"
    )
    op.drop_column("function_data_output", "file_sha256")
    op.drop_column("function_data_output", "file_size_bytes")
    op.drop_column("function_data_output", "file_content_type")
    op.drop_column("function_data_output", "file_name")
