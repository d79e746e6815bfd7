"""Call logs that end, run timing and state, status details, labware locations, protocol sources,
output quality.

- function_call_log: ``succeeded`` becomes ``completed`` (the word runs use); ``error_traceback``,
  ``duration_ms``, and ``parent_function_call_log_id`` for nested calls (SET NULL, indexed).
- protocol_run: ``duration_ms``, ``initial_state_json`` / ``final_state_json``,
  ``data_directory_path``, and ``previous_accession_id`` for continuation runs (SET NULL, indexed).
- machine, resource: ``status_details``; resource statuses ``depleted`` and ``error``; a resource's
  deck placement (``deck_id``, SET NULL, indexed; one resource per deck position; never on a deck
  and on a parent at once).
- protocol_definition: where its source came from (``source_kind``, ``source_root_path``,
  ``source_repository_url``, ``source_ref``, ``commit_hash``).
- function_data_output: ``data_quality_score`` between 0 and 1.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RESOURCE_STATUSES_BEFORE = ("available", "in_use", "empty", "discarded")
_RESOURCE_STATUSES_AFTER = ("available", "in_use", "empty", "depleted", "error", "discarded")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _replace_enum_check(table: str, column: str, values: Sequence[str]) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{column}"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_{column}"), table, _in(column, values))


def upgrade() -> None:
    # -- function calls that end -----------------------------------------------------------------
    op.drop_constraint(op.f("ck_function_call_log_status"), "function_call_log", type_="check")
    op.execute("UPDATE function_call_log SET status = 'completed' WHERE status = 'succeeded'")
    op.create_check_constraint(
        op.f("ck_function_call_log_status"),
        "function_call_log",
        _in("status", ("running", "completed", "failed")),
    )
    op.add_column("function_call_log", sa.Column("error_traceback", sa.Text(), nullable=True))
    op.add_column("function_call_log", sa.Column("duration_ms", sa.Double(), nullable=True))
    op.add_column("function_call_log", sa.Column("parent_function_call_log_id", sa.UUID(), nullable=True))
    op.create_index(
        op.f("ix_function_call_log_parent_function_call_log_id"),
        "function_call_log",
        ["parent_function_call_log_id"],
        unique=False,
    )
    op.create_foreign_key(
        op.f("fk_function_call_log_parent_function_call_log_id_function_call_log"),
        "function_call_log",
        "function_call_log",
        ["parent_function_call_log_id"],
        ["accession_id"],
        ondelete="SET NULL",
    )

    # -- runs' timing, state and continuations ---------------------------------------------------
    op.add_column("protocol_run", sa.Column("duration_ms", sa.Double(), nullable=True))
    op.add_column(
        "protocol_run",
        sa.Column("initial_state_json", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column(
        "protocol_run",
        sa.Column("final_state_json", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column("protocol_run", sa.Column("data_directory_path", sa.Text(), nullable=True))
    op.add_column("protocol_run", sa.Column("previous_accession_id", sa.UUID(), nullable=True))
    op.create_index(
        op.f("ix_protocol_run_previous_accession_id"), "protocol_run", ["previous_accession_id"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_protocol_run_previous_accession_id_protocol_run"),
        "protocol_run",
        "protocol_run",
        ["previous_accession_id"],
        ["accession_id"],
        ondelete="SET NULL",
    )

    # -- statuses with details ---------------------------------------------------------------------
    op.add_column("machine", sa.Column("status_details", sa.Text(), nullable=True))
    op.add_column("resource", sa.Column("status_details", sa.Text(), nullable=True))
    _replace_enum_check("resource", "status", _RESOURCE_STATUSES_AFTER)

    # -- where labware is --------------------------------------------------------------------------
    op.add_column("resource", sa.Column("deck_id", sa.UUID(), nullable=True))
    op.create_index(op.f("ix_resource_deck_id"), "resource", ["deck_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_resource_deck_id_deck"),
        "resource",
        "deck",
        ["deck_id"],
        ["accession_id"],
        ondelete="SET NULL",
    )
    op.create_unique_constraint(
        op.f("uq_resource_deck_id_position_name"), "resource", ["deck_id", "position_name"]
    )
    op.create_check_constraint(
        op.f("ck_resource_on_deck_or_on_parent"), "resource", "deck_id IS NULL OR parent_id IS NULL"
    )

    # -- where protocols come from -----------------------------------------------------------------
    op.add_column(
        "protocol_definition",
        sa.Column(
            "source_kind",
            sa.Enum(
                "git", "file_system", name="source_kind", native_enum=False, create_constraint=True, length=32
            ),
            nullable=True,
        ),
    )
    op.add_column("protocol_definition", sa.Column("source_root_path", sa.Text(), nullable=True))
    op.add_column("protocol_definition", sa.Column("source_repository_url", sa.Text(), nullable=True))
    op.add_column("protocol_definition", sa.Column("source_ref", sa.String(length=255), nullable=True))
    op.add_column("protocol_definition", sa.Column("commit_hash", sa.String(length=64), nullable=True))

    # -- outputs people use ------------------------------------------------------------------------
    op.add_column("function_data_output", sa.Column("data_quality_score", sa.Double(), nullable=True))
    op.create_check_constraint(
        op.f("ck_function_data_output_data_quality_score"),
        "function_data_output",
        "data_quality_score BETWEEN 0 AND 1",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_function_data_output_data_quality_score"), "function_data_output", type_="check"
    )
    op.drop_column("function_data_output", "data_quality_score")

    for column in ("commit_hash", "source_ref", "source_repository_url", "source_root_path", "source_kind"):
        op.drop_column("protocol_definition", column)

    op.drop_constraint(op.f("ck_resource_on_deck_or_on_parent"), "resource", type_="check")
    op.drop_constraint(op.f("uq_resource_deck_id_position_name"), "resource", type_="unique")
    op.drop_constraint(op.f("fk_resource_deck_id_deck"), "resource", type_="foreignkey")
    op.drop_index(op.f("ix_resource_deck_id"), table_name="resource")
    op.drop_column("resource", "deck_id")

    # labware in a status the earlier schema lacks falls back to the nearest one it has
    op.execute("UPDATE resource SET status = 'empty' WHERE status = 'depleted'")
    op.execute("UPDATE resource SET status = 'available' WHERE status = 'error'")
    _replace_enum_check("resource", "status", _RESOURCE_STATUSES_BEFORE)
    op.drop_column("resource", "status_details")
    op.drop_column("machine", "status_details")

    op.drop_constraint(
        op.f("fk_protocol_run_previous_accession_id_protocol_run"), "protocol_run", type_="foreignkey"
    )
    op.drop_index(op.f("ix_protocol_run_previous_accession_id"), table_name="protocol_run")
    for column in (
        "previous_accession_id",
        "data_directory_path",
        "final_state_json",
        "initial_state_json",
        "duration_ms",
    ):
        op.drop_column("protocol_run", column)

    op.drop_constraint(
        op.f("fk_function_call_log_parent_function_call_log_id_function_call_log"),
        "function_call_log",
        type_="foreignkey",
    )
    op.drop_index(op.f("ix_function_call_log_parent_function_call_log_id"), table_name="function_call_log")
    for column in ("parent_function_call_log_id", "duration_ms", "error_traceback"):
        op.drop_column("function_call_log", column)
    op.drop_constraint(op.f("ck_function_call_log_status"), "function_call_log", type_="check")
    op.execute("UPDATE function_call_log SET status = 'succeeded' WHERE status = 'completed'")
    op.create_check_constraint(
        op.f("ck_function_call_log_status"),
        "function_call_log",
        _in("status", ("running", "succeeded", "failed")),
    )
