"""Initial schema: every aggregate of Praxis.

Generated with autogenerate, then read by hand: foreign keys carry a deliberate ON DELETE rule
(RESTRICT for references to things that must outlive their users, CASCADE for owned children such as
deck positions, call logs and outputs, SET NULL for optional context), every foreign key is indexed,
and statuses and categories are VARCHAR columns with CHECK constraints named after their column.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deck_definition",
        sa.Column("accession_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("fqn", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("size_x_mm", sa.Double(), nullable=True),
        sa.Column("size_y_mm", sa.Double(), nullable=True),
        sa.Column("size_z_mm", sa.Double(), nullable=True),
        sa.Column(
            "positioning_config", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("accession_id", name=op.f("pk_deck_definition")),
        sa.UniqueConstraint("name", name=op.f("uq_deck_definition_name")),
    )
    op.create_table(
        "protocol_definition",
        sa.Column("accession_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("fqn", sa.String(length=500), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("module_name", sa.String(length=500), nullable=True),
        sa.Column("function_name", sa.String(length=255), nullable=True),
        sa.Column("source_file_path", sa.Text(), nullable=True),
        sa.Column("source_hash", sa.String(length=64), nullable=True),
        sa.Column("is_inferred", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column(
            "required_assets", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("accession_id", name=op.f("pk_protocol_definition")),
        sa.UniqueConstraint("fqn", "version", name=op.f("uq_protocol_definition_fqn_version")),
    )
    op.create_index(op.f("ix_protocol_definition_name"), "protocol_definition", ["name"], unique=False)
    op.create_table(
        "resource_definition",
        sa.Column("accession_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("fqn", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "plate",
                "tip_rack",
                "trough",
                "tube_rack",
                "tube",
                "carrier",
                "lid",
                "container",
                "other",
                name="category",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("is_consumable", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("size_x_mm", sa.Double(), nullable=True),
        sa.Column("size_y_mm", sa.Double(), nullable=True),
        sa.Column("size_z_mm", sa.Double(), nullable=True),
        sa.Column("nominal_volume_ul", sa.Double(), nullable=True),
        sa.Column("properties", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("accession_id", name=op.f("pk_resource_definition")),
        sa.UniqueConstraint("name", name=op.f("uq_resource_definition_name")),
    )
    op.create_table(
        "workcell",
        sa.Column("accession_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "available",
                "in_use",
                "maintenance",
                "error",
                "offline",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "latest_state", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("allows_concurrent_runs", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("accession_id", name=op.f("pk_workcell")),
        sa.UniqueConstraint("name", name=op.f("uq_workcell_name")),
    )
    op.create_table(
        "deck_position_definition",
        sa.Column("accession_id", sa.UUID(), nullable=False),
        sa.Column("deck_definition_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("x_mm", sa.Double(), nullable=True),
        sa.Column("y_mm", sa.Double(), nullable=True),
        sa.Column("z_mm", sa.Double(), nullable=True),
        sa.Column(
            "allowed_resource_categories",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("properties", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["deck_definition_id"],
            ["deck_definition.accession_id"],
            name=op.f("fk_deck_position_definition_deck_definition_id_deck_definition"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("accession_id", name=op.f("pk_deck_position_definition")),
        sa.UniqueConstraint(
            "deck_definition_id", "name", name=op.f("uq_deck_position_definition_deck_definition_id_name")
        ),
    )
    op.create_index(
        op.f("ix_deck_position_definition_deck_definition_id"),
        "deck_position_definition",
        ["deck_definition_id"],
        unique=False,
    )
    op.create_table(
        "machine",
        sa.Column("accession_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("fqn", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "available",
                "in_use",
                "maintenance",
                "error",
                "offline",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "connection_info", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("workcell_id", sa.UUID(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workcell_id"],
            ["workcell.accession_id"],
            name=op.f("fk_machine_workcell_id_workcell"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("accession_id", name=op.f("pk_machine")),
        sa.UniqueConstraint("name", name=op.f("uq_machine_name")),
    )
    op.create_index(op.f("ix_machine_workcell_id"), "machine", ["workcell_id"], unique=False)
    op.create_table(
        "protocol_run",
        sa.Column("accession_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "running",
                "completed",
                "failed",
                "cancelled",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("protocol_definition_id", sa.UUID(), nullable=False),
        sa.Column("workcell_id", sa.UUID(), nullable=True),
        sa.Column(
            "input_parameters", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "output_data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["protocol_definition_id"],
            ["protocol_definition.accession_id"],
            name=op.f("fk_protocol_run_protocol_definition_id_protocol_definition"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workcell_id"],
            ["workcell.accession_id"],
            name=op.f("fk_protocol_run_workcell_id_workcell"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("accession_id", name=op.f("pk_protocol_run")),
    )
    op.create_index(
        op.f("ix_protocol_run_protocol_definition_id"),
        "protocol_run",
        ["protocol_definition_id"],
        unique=False,
    )
    op.create_index(op.f("ix_protocol_run_status"), "protocol_run", ["status"], unique=False)
    op.create_index(op.f("ix_protocol_run_workcell_id"), "protocol_run", ["workcell_id"], unique=False)
    op.create_table(
        "resource",
        sa.Column("accession_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "available",
                "in_use",
                "empty",
                "discarded",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("properties", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("resource_definition_id", sa.UUID(), nullable=False),
        sa.Column("workcell_id", sa.UUID(), nullable=True),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("position_name", sa.String(length=255), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["resource.accession_id"],
            name=op.f("fk_resource_parent_id_resource"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resource_definition_id"],
            ["resource_definition.accession_id"],
            name=op.f("fk_resource_resource_definition_id_resource_definition"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workcell_id"],
            ["workcell.accession_id"],
            name=op.f("fk_resource_workcell_id_workcell"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("accession_id", name=op.f("pk_resource")),
        sa.UniqueConstraint("name", name=op.f("uq_resource_name")),
    )
    op.create_index(op.f("ix_resource_parent_id"), "resource", ["parent_id"], unique=False)
    op.create_index(
        op.f("ix_resource_resource_definition_id"), "resource", ["resource_definition_id"], unique=False
    )
    op.create_index(op.f("ix_resource_workcell_id"), "resource", ["workcell_id"], unique=False)
    op.create_table(
        "deck",
        sa.Column("accession_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("properties", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("deck_definition_id", sa.UUID(), nullable=False),
        sa.Column("parent_machine_id", sa.UUID(), nullable=False),
        sa.Column("workcell_id", sa.UUID(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["deck_definition_id"],
            ["deck_definition.accession_id"],
            name=op.f("fk_deck_deck_definition_id_deck_definition"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["parent_machine_id"],
            ["machine.accession_id"],
            name=op.f("fk_deck_parent_machine_id_machine"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workcell_id"],
            ["workcell.accession_id"],
            name=op.f("fk_deck_workcell_id_workcell"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("accession_id", name=op.f("pk_deck")),
        sa.UniqueConstraint("name", name=op.f("uq_deck_name")),
    )
    op.create_index(op.f("ix_deck_deck_definition_id"), "deck", ["deck_definition_id"], unique=False)
    op.create_index(op.f("ix_deck_parent_machine_id"), "deck", ["parent_machine_id"], unique=False)
    op.create_index(op.f("ix_deck_workcell_id"), "deck", ["workcell_id"], unique=False)
    op.create_table(
        "function_call_log",
        sa.Column("accession_id", sa.UUID(), nullable=False),
        sa.Column("protocol_run_id", sa.UUID(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("function_name", sa.String(length=255), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "succeeded",
                "failed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("arguments", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("return_value", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["protocol_run_id"],
            ["protocol_run.accession_id"],
            name=op.f("fk_function_call_log_protocol_run_id_protocol_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("accession_id", name=op.f("pk_function_call_log")),
        sa.UniqueConstraint(
            "protocol_run_id", "sequence", name=op.f("uq_function_call_log_protocol_run_id_sequence")
        ),
    )
    op.create_index(
        op.f("ix_function_call_log_protocol_run_id"), "function_call_log", ["protocol_run_id"], unique=False
    )
    op.create_table(
        "function_data_output",
        sa.Column("accession_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "data_type",
            sa.Enum(
                "numeric",
                "json",
                "text",
                name="data_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("numeric_value", sa.Double(), nullable=True),
        sa.Column("json_value", postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), nullable=True),
        sa.Column("text_value", sa.Text(), nullable=True),
        sa.Column("unit", sa.String(length=64), nullable=True),
        sa.Column(
            "spatial_context", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("well_name", sa.String(length=16), nullable=True),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("protocol_run_id", sa.UUID(), nullable=False),
        sa.Column("function_call_id", sa.UUID(), nullable=True),
        sa.Column("resource_id", sa.UUID(), nullable=True),
        sa.Column("machine_id", sa.UUID(), nullable=True),
        sa.Column("deck_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(data_type = 'numeric' AND numeric_value IS NOT NULL) OR (data_type = 'json' AND json_value IS NOT NULL) OR (data_type = 'text' AND text_value IS NOT NULL)",
            name=op.f("ck_function_data_output_value_matches_data_type"),
        ),
        sa.ForeignKeyConstraint(
            ["deck_id"],
            ["deck.accession_id"],
            name=op.f("fk_function_data_output_deck_id_deck"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["function_call_id"],
            ["function_call_log.accession_id"],
            name=op.f("fk_function_data_output_function_call_id_function_call_log"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machine.accession_id"],
            name=op.f("fk_function_data_output_machine_id_machine"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["protocol_run_id"],
            ["protocol_run.accession_id"],
            name=op.f("fk_function_data_output_protocol_run_id_protocol_run"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.accession_id"],
            name=op.f("fk_function_data_output_resource_id_resource"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("accession_id", name=op.f("pk_function_data_output")),
    )
    op.create_index(
        op.f("ix_function_data_output_deck_id"), "function_data_output", ["deck_id"], unique=False
    )
    op.create_index(
        op.f("ix_function_data_output_function_call_id"),
        "function_data_output",
        ["function_call_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_function_data_output_machine_id"), "function_data_output", ["machine_id"], unique=False
    )
    op.create_index(
        op.f("ix_function_data_output_protocol_run_id"),
        "function_data_output",
        ["protocol_run_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_function_data_output_resource_id"), "function_data_output", ["resource_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_function_data_output_resource_id"), table_name="function_data_output")
    op.drop_index(op.f("ix_function_data_output_protocol_run_id"), table_name="function_data_output")
    op.drop_index(op.f("ix_function_data_output_machine_id"), table_name="function_data_output")
    op.drop_index(op.f("ix_function_data_output_function_call_id"), table_name="function_data_output")
    op.drop_index(op.f("ix_function_data_output_deck_id"), table_name="function_data_output")
    op.drop_table("function_data_output")
    op.drop_index(op.f("ix_function_call_log_protocol_run_id"), table_name="function_call_log")
    op.drop_table("function_call_log")
    op.drop_index(op.f("ix_deck_workcell_id"), table_name="deck")
    op.drop_index(op.f("ix_deck_parent_machine_id"), table_name="deck")
    op.drop_index(op.f("ix_deck_deck_definition_id"), table_name="deck")
    op.drop_table("deck")
    op.drop_index(op.f("ix_resource_workcell_id"), table_name="resource")
    op.drop_index(op.f("ix_resource_resource_definition_id"), table_name="resource")
    op.drop_index(op.f("ix_resource_parent_id"), table_name="resource")
    op.drop_table("resource")
    op.drop_index(op.f("ix_protocol_run_workcell_id"), table_name="protocol_run")
    op.drop_index(op.f("ix_protocol_run_status"), table_name="protocol_run")
    op.drop_index(op.f("ix_protocol_run_protocol_definition_id"), table_name="protocol_run")
    op.drop_table("protocol_run")
    op.drop_index(op.f("ix_machine_workcell_id"), table_name="machine")
    op.drop_table("machine")
    op.drop_index(
        op.f("ix_deck_position_definition_deck_definition_id"), table_name="deck_position_definition"
    )
    op.drop_table("deck_position_definition")
    op.drop_table("workcell")
    op.drop_table("resource_definition")
    op.drop_index(op.f("ix_protocol_definition_name"), table_name="protocol_definition")
    op.drop_table("protocol_definition")
    op.drop_table("deck_definition")
