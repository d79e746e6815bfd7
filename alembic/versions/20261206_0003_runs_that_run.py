"""Runs that run: the job queue's schema, queued and paused runs, call statuses, run control,
asset reservations.

- protocol_run: statuses ``queued`` and ``paused``; ``status_details`` (why it is in its status),
  ``control_request`` (a pause, resume or cancel its worker has yet to carry out), ``simulation``,
  ``time_limit_seconds``, ``queued_at``.
- function_call_log: statuses ``pending``, ``skipped`` and ``cancelled``; ``fqn``.
- asset_reservation: the machines and labware each executing run holds (one run per asset).
- The job queue (pgqueuer): its tables, types, trigger and function, as pgqueuer 1.6 installs them,
  frozen here so that this revision always builds the same schema. A newer pgqueuer that needs more
  says so in ``tests/migrations`` (its upgrade plan against this schema must be empty), and its DDL
  then goes into a revision of its own.

Downgrade (data): queued runs go back to ``pending`` and paused ones to ``running`` (the statuses the
earlier schema has closest to them); ``pending`` calls to ``running``, ``skipped`` ones to
``completed`` and ``cancelled`` ones to ``failed``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUN_STATUSES_BEFORE = ("pending", "running", "completed", "failed", "cancelled")
RUN_STATUSES_AFTER = ("pending", "queued", "running", "paused", "completed", "failed", "cancelled")
CALL_STATUSES_BEFORE = ("running", "completed", "failed")
CALL_STATUSES_AFTER = ("pending", "running", "completed", "failed", "skipped", "cancelled")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _replace_enum_check(table: str, column: str, values: Sequence[str]) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{column}"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_{column}"), table, _in(column, values))


def _execute_script(sql: str) -> None:
    """Several statements (a function body among them) in one go: asyncpg's simple query protocol,
    which SQLAlchemy's prepared statements cannot carry."""
    from sqlalchemy.util import await_only

    await_only(op.get_bind().connection.driver_connection.execute(sql))


def upgrade() -> None:
    _replace_enum_check("protocol_run", "status", RUN_STATUSES_AFTER)
    _replace_enum_check("function_call_log", "status", CALL_STATUSES_AFTER)
    op.add_column("protocol_run", sa.Column("status_details", sa.Text(), nullable=True))
    op.add_column(
        "protocol_run",
        sa.Column(
            "control_request",
            sa.Enum(
                "pause",
                "resume",
                "cancel",
                name="control_request",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
    )
    op.add_column(
        "protocol_run", sa.Column("simulation", sa.Boolean(), server_default="true", nullable=False)
    )
    op.add_column("protocol_run", sa.Column("time_limit_seconds", sa.Double(), nullable=True))
    op.add_column("protocol_run", sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("function_call_log", sa.Column("fqn", sa.String(length=500), nullable=True))
    op.create_table(
        "asset_reservation",
        sa.Column("asset_id", sa.UUID(), nullable=False),
        sa.Column("asset_kind", sa.String(length=16), nullable=False),
        sa.Column("protocol_run_id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["protocol_run_id"],
            ["protocol_run.accession_id"],
            name=op.f("fk_asset_reservation_protocol_run_id_protocol_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_asset_reservation")),
    )
    op.create_index(
        op.f("ix_asset_reservation_protocol_run_id"), "asset_reservation", ["protocol_run_id"], unique=False
    )
    _execute_script(JOB_QUEUE_INSTALL)
    _execute_script(RUN_NOTIFY_INSTALL)


def downgrade() -> None:
    _execute_script(RUN_NOTIFY_UNINSTALL)
    _execute_script(JOB_QUEUE_UNINSTALL)
    op.drop_index(op.f("ix_asset_reservation_protocol_run_id"), table_name="asset_reservation")
    op.drop_table("asset_reservation")
    op.drop_column("function_call_log", "fqn")
    for column in ("queued_at", "time_limit_seconds", "simulation", "control_request", "status_details"):
        op.drop_column("protocol_run", column)
    op.execute("UPDATE function_call_log SET status = 'running' WHERE status = 'pending'")
    op.execute("UPDATE function_call_log SET status = 'completed' WHERE status = 'skipped'")
    op.execute("UPDATE function_call_log SET status = 'failed' WHERE status = 'cancelled'")
    _replace_enum_check("function_call_log", "status", CALL_STATUSES_BEFORE)
    op.execute("UPDATE protocol_run SET status = 'pending' WHERE status = 'queued'")
    op.execute("UPDATE protocol_run SET status = 'running' WHERE status = 'paused'")
    _replace_enum_check("protocol_run", "status", RUN_STATUSES_BEFORE)


# Every change of a run's status or control request is announced on channel ``praxis_run`` (at
# commit), whoever made it: the worker executing the run hears its pause, resume and cancel requests,
# and anyone waiting on a run hears it move.
RUN_NOTIFY_INSTALL = """
CREATE FUNCTION praxis_notify_run() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify(
        'praxis_run',
        json_build_object(
            'id', NEW.accession_id, 'status', NEW.status, 'control_request', NEW.control_request
        )::text
    );
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER protocol_run_notify
AFTER INSERT OR UPDATE OF status, control_request ON protocol_run
FOR EACH ROW EXECUTE FUNCTION praxis_notify_run();
"""

RUN_NOTIFY_UNINSTALL = """
DROP TRIGGER IF EXISTS protocol_run_notify ON protocol_run;
DROP FUNCTION IF EXISTS praxis_notify_run;
"""

# The job queue's schema as pgqueuer 1.6.0 installs it (``Queries.install()``), frozen.
JOB_QUEUE_INSTALL = """
-- pgqueuer 1.6.0 -- prefix='' schema=None durability=durable

CREATE TYPE pgqueuer_status AS ENUM ('queued', 'picked', 'successful', 'exception', 'canceled', 'deleted', 'failed');

CREATE TABLE pgqueuer (
    id bigserial NOT NULL PRIMARY KEY,
    priority integer NOT NULL,
    queue_manager_id uuid,
    created timestamp with time zone NOT NULL DEFAULT now(),
    updated timestamp with time zone NOT NULL DEFAULT now(),
    heartbeat timestamp with time zone NOT NULL DEFAULT now(),
    execute_after timestamp with time zone NOT NULL DEFAULT now(),
    status pgqueuer_status NOT NULL,
    entrypoint text NOT NULL,
    dedupe_key text,
    payload bytea,
    headers jsonb,
    attempts integer NOT NULL DEFAULT 0,
    slot bigint
);

CREATE TABLE pgqueuer_log (
    id bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY,
    created timestamp with time zone NOT NULL DEFAULT now(),
    job_id bigint NOT NULL,
    status pgqueuer_status NOT NULL,
    priority integer NOT NULL,
    entrypoint text NOT NULL,
    traceback jsonb,
    aggregated boolean DEFAULT false
);

CREATE TABLE pgqueuer_schedules (
    id bigserial NOT NULL PRIMARY KEY,
    expression text NOT NULL,
    entrypoint text NOT NULL,
    heartbeat timestamp with time zone NOT NULL DEFAULT now(),
    created timestamp with time zone NOT NULL DEFAULT now(),
    updated timestamp with time zone NOT NULL DEFAULT now(),
    next_run timestamp with time zone NOT NULL DEFAULT now(),
    last_run timestamp with time zone,
    status pgqueuer_status DEFAULT 'queued'::pgqueuer_status,
    UNIQUE (expression, entrypoint)
);

CREATE TABLE pgqueuer_statistics (
    id bigserial NOT NULL PRIMARY KEY,
    created timestamp with time zone NOT NULL DEFAULT date_trunc('sec'::text, now()),
    count bigint NOT NULL,
    priority integer NOT NULL,
    status pgqueuer_status NOT NULL,
    entrypoint text NOT NULL
);

CREATE INDEX pgqueuer_ep_ea_idx ON pgqueuer USING btree (entrypoint, execute_after) WHERE (status = 'queued'::pgqueuer_status);

CREATE INDEX pgqueuer_ep_prio_id_idx ON pgqueuer USING btree (entrypoint, priority DESC, id) WHERE (status = 'queued'::pgqueuer_status);

CREATE INDEX pgqueuer_log_created ON pgqueuer_log USING btree (created);

CREATE INDEX pgqueuer_log_job_id_status ON pgqueuer_log USING btree (job_id, created DESC);

CREATE INDEX pgqueuer_log_not_aggregated ON pgqueuer_log USING btree ((1)) WHERE (NOT aggregated);

CREATE INDEX pgqueuer_log_status ON pgqueuer_log USING btree (status);

CREATE INDEX pgqueuer_picked_heartbeat_idx ON pgqueuer USING btree (heartbeat) WHERE (status = 'picked'::pgqueuer_status);

CREATE UNIQUE INDEX pgqueuer_picked_slot_idx ON pgqueuer USING btree (entrypoint, slot) WHERE ((status = 'picked'::pgqueuer_status) AND (slot IS NOT NULL));

CREATE INDEX pgqueuer_priority_id_id1_idx ON pgqueuer USING btree (priority, id DESC) INCLUDE (id) WHERE (status = 'queued'::pgqueuer_status);

CREATE INDEX pgqueuer_queue_manager_id_idx ON pgqueuer USING btree (queue_manager_id) WHERE (queue_manager_id IS NOT NULL);

CREATE UNIQUE INDEX pgqueuer_statistics_unique_count ON pgqueuer_statistics USING btree (priority, date_trunc('sec'::text, timezone('UTC'::text, created)), status, entrypoint);

CREATE UNIQUE INDEX pgqueuer_unique_dedupe_key ON pgqueuer USING btree (dedupe_key) WHERE ((status = ANY (ARRAY['queued'::pgqueuer_status, 'picked'::pgqueuer_status])) AND (dedupe_key IS NOT NULL));

CREATE INDEX pgqueuer_updated_id_id1_idx ON pgqueuer USING btree (updated, id DESC) INCLUDE (id) WHERE (status = 'picked'::pgqueuer_status);

CREATE FUNCTION fn_pgqueuer_changed() RETURNS TRIGGER AS $$
DECLARE
    to_emit BOOLEAN := false;  -- Flag to decide whether to emit a notification
BEGIN
    -- Check operation type and set the emit flag accordingly
    IF TG_OP = 'UPDATE' AND OLD IS DISTINCT FROM NEW THEN
        to_emit := true;
    ELSIF TG_OP = 'DELETE' THEN
        to_emit := true;
    ELSIF TG_OP = 'INSERT' THEN
        to_emit := true;
    ELSIF TG_OP = 'TRUNCATE' THEN
        to_emit := true;
    END IF;

    -- Perform notification if the emit flag is set
    IF to_emit THEN
        PERFORM pg_notify(
            'ch_pgqueuer',
            json_build_object(
                'channel', 'ch_pgqueuer',
                'operation', lower(TG_OP),
                'sent_at', NOW(),
                'table', TG_TABLE_NAME,
                'type', 'table_changed_event'
            )::text
        );
    END IF;

    -- Return appropriate value based on the operation
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        RETURN OLD;
    ELSE
        RETURN NULL; -- For TRUNCATE and other non-row-specific contexts
    END IF;

END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tg_pgqueuer_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgqueuer
EXECUTE FUNCTION fn_pgqueuer_changed();
"""

JOB_QUEUE_UNINSTALL = """
DROP TRIGGER IF EXISTS tg_pgqueuer_changed ON pgqueuer;
DROP FUNCTION IF EXISTS fn_pgqueuer_changed;
DROP TABLE IF EXISTS pgqueuer;
DROP TABLE IF EXISTS pgqueuer_log;
DROP TABLE IF EXISTS pgqueuer_schedules;
DROP TABLE IF EXISTS pgqueuer_statistics;
DROP TYPE IF EXISTS pgqueuer_status;
DROP TYPE IF EXISTS pgqueuer_statistics_status;
"""
