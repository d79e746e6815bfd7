"""Run events, and outputs that can be corrected.

Outputs: ``version`` (a correction of a value is versioned, as other edited aggregates are) and
``measurement_conditions`` (JSON); both have defaults, so existing rows need no rewrite.

Run events: every status change, call started or ended, and output recorded, stored as numbered
rows (``run_event``) by triggers, and announced on channel ``praxis_run_events`` once per statement
and run (PostgreSQL folds a transaction's identical notifications into one: one per batch).

A batch's events are numbered in the order things happened (a call's start and end by their
times; at one instant starts outer call first, ends inner call first).

Announcements: ``c:<run id>`` (a run has new events), ``s:<event id>:<run id>`` (a status event).
A run's writers take an advisory lock (per run, held to commit) before numbering its events, so the
ids of one run's events follow commit order: a reader of "run R after id N" never skips an event that
committed late. Runs from before this revision have no stored events (their streams give their
status only as the run's row says).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: triggers and functions only: no stored row is changed
changes_data = False


def _execute_script(sql: str) -> None:
    """Several statements (function bodies among them) in one go: asyncpg's simple query protocol."""
    from sqlalchemy.util import await_only

    await_only(op.get_bind().connection.driver_connection.execute(sql))


def upgrade() -> None:
    op.create_table(
        "run_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("protocol_run_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("statement_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["protocol_run_id"],
            ["protocol_run.accession_id"],
            name=op.f("fk_run_event_protocol_run_id_protocol_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_event")),
    )
    op.create_index("ix_run_event_protocol_run_id_id", "run_event", ["protocol_run_id", "id"])
    op.create_index(
        "ix_run_event_status_id", "run_event", ["id"], postgresql_where=sa.text("kind = 'status'")
    )
    _execute_script(EVENTS_INSTALL)
    op.add_column(
        "function_data_output", sa.Column("version", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column(
        "function_data_output",
        sa.Column(
            "measurement_conditions",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("function_data_output", "measurement_conditions")
    op.drop_column("function_data_output", "version")
    _execute_script(EVENTS_UNINSTALL)
    op.drop_index("ix_run_event_status_id", table_name="run_event")
    op.drop_index("ix_run_event_protocol_run_id_id", table_name="run_event")
    op.drop_table("run_event")


EVENTS_INSTALL = r"""
CREATE FUNCTION praxis_lock_runs(runs uuid[]) RETURNS void AS $$
DECLARE run uuid;
BEGIN
    FOR run IN SELECT DISTINCT r FROM unnest(runs) AS r ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended('praxis_run_event:' || run::text, 0));
    END LOOP;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION praxis_announce_runs(runs uuid[]) RETURNS void AS $$
DECLARE run uuid;
BEGIN
    FOR run IN SELECT DISTINCT r FROM unnest(runs) AS r LOOP
        PERFORM pg_notify('praxis_run_events', 'c:' || run::text);
    END LOOP;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION praxis_call_started(c function_call_log) RETURNS jsonb AS $$
    SELECT jsonb_build_object(
        'call_id', c.accession_id, 'sequence', c.sequence, 'parent_id', c.parent_function_call_log_id,
        'function_name', c.function_name, 'status', 'running', 'started_at', c.started_at
    );
$$ LANGUAGE sql STABLE;

CREATE FUNCTION praxis_call_ended(c function_call_log) RETURNS jsonb AS $$
    SELECT jsonb_build_object(
        'call_id', c.accession_id, 'sequence', c.sequence, 'parent_id', c.parent_function_call_log_id,
        'function_name', c.function_name, 'status', c.status, 'started_at', c.started_at,
        'ended_at', c.ended_at, 'duration_ms', c.duration_ms, 'error_message', c.error_message,
        'error_traceback', c.error_traceback
    );
$$ LANGUAGE sql STABLE;

CREATE FUNCTION praxis_run_status_event() RETURNS trigger AS $$
DECLARE event_id bigint;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status
       AND OLD.control_request IS NOT DISTINCT FROM NEW.control_request THEN
        RETURN NULL;
    END IF;
    PERFORM praxis_lock_runs(ARRAY[NEW.accession_id]);
    INSERT INTO run_event (protocol_run_id, kind, data)
    VALUES (NEW.accession_id, 'status', jsonb_build_object(
        'run_id', NEW.accession_id, 'name', NEW.name, 'status', NEW.status,
        'control_request', NEW.control_request, 'status_details', NEW.status_details,
        'error_message', NEW.error_message, 'queued_at', NEW.queued_at, 'started_at', NEW.started_at,
        'completed_at', NEW.completed_at, 'duration_ms', NEW.duration_ms
    ))
    RETURNING id INTO event_id;
    PERFORM pg_notify('praxis_run_events', 's:' || event_id || ':' || NEW.accession_id::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER protocol_run_event
AFTER INSERT OR UPDATE OF status, control_request ON protocol_run
FOR EACH ROW EXECUTE FUNCTION praxis_run_status_event();

CREATE FUNCTION praxis_calls_inserted_events() RETURNS trigger AS $$
DECLARE runs uuid[];
BEGIN
    SELECT array_agg(DISTINCT protocol_run_id) INTO runs FROM new_rows;
    IF runs IS NULL THEN RETURN NULL; END IF;
    PERFORM praxis_lock_runs(runs);
    INSERT INTO run_event (protocol_run_id, kind, data)
    SELECT run, kind, data FROM (
        SELECT c.protocol_run_id AS run, coalesce(c.started_at, c.created_at) AS at, 0 AS step,
               c.sequence AS place, 'call_started' AS kind, praxis_call_started(c) AS data
        FROM new_rows AS c WHERE c.status <> 'pending'
        UNION ALL
        SELECT c.protocol_run_id, coalesce(c.ended_at, c.updated_at), 1, -c.sequence, 'call_ended',
               praxis_call_ended(c)
        FROM new_rows AS c WHERE c.status NOT IN ('pending', 'running')
    ) AS e ORDER BY run, at, step, place;
    PERFORM praxis_announce_runs(runs);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER function_call_log_inserted_events
AFTER INSERT ON function_call_log REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION praxis_calls_inserted_events();

CREATE FUNCTION praxis_calls_updated_events() RETURNS trigger AS $$
DECLARE runs uuid[];
BEGIN
    SELECT array_agg(DISTINCT n.protocol_run_id) INTO runs
    FROM new_rows AS n JOIN old_rows AS o USING (accession_id) WHERE o.status IS DISTINCT FROM n.status;
    IF runs IS NULL THEN RETURN NULL; END IF;
    PERFORM praxis_lock_runs(runs);
    INSERT INTO run_event (protocol_run_id, kind, data)
    SELECT n.protocol_run_id,
           CASE WHEN n.status = 'running' THEN 'call_started' ELSE 'call_ended' END,
           CASE WHEN n.status = 'running' THEN praxis_call_started(n) ELSE praxis_call_ended(n) END
    FROM new_rows AS n JOIN old_rows AS o USING (accession_id)
    WHERE o.status IS DISTINCT FROM n.status AND n.status <> 'pending'
    ORDER BY n.protocol_run_id, coalesce(n.ended_at, n.updated_at), -n.sequence;
    PERFORM praxis_announce_runs(runs);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER function_call_log_updated_events
AFTER UPDATE ON function_call_log REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION praxis_calls_updated_events();

CREATE FUNCTION praxis_outputs_inserted_events() RETURNS trigger AS $$
DECLARE runs uuid[];
BEGIN
    SELECT array_agg(DISTINCT protocol_run_id) INTO runs FROM new_rows;
    IF runs IS NULL THEN RETURN NULL; END IF;
    PERFORM praxis_lock_runs(runs);
    INSERT INTO run_event (protocol_run_id, kind, data)
    SELECT o.protocol_run_id, 'output', jsonb_build_object(
        'output_id', o.accession_id, 'name', o.name, 'data_type', o.data_type,
        'numeric_value', o.numeric_value, 'text_value', left(o.text_value, 1000), 'unit', o.unit,
        'well_name', o.well_name, 'function_call_id', o.function_call_id,
        'resource_id', o.resource_id, 'measured_at', o.measured_at
    )
    FROM new_rows AS o ORDER BY o.protocol_run_id, o.created_at, o.accession_id;
    PERFORM praxis_announce_runs(runs);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER function_data_output_inserted_events
AFTER INSERT ON function_data_output REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION praxis_outputs_inserted_events();
"""

EVENTS_UNINSTALL = """
DROP TRIGGER IF EXISTS function_data_output_inserted_events ON function_data_output;
DROP TRIGGER IF EXISTS function_call_log_updated_events ON function_call_log;
DROP TRIGGER IF EXISTS function_call_log_inserted_events ON function_call_log;
DROP TRIGGER IF EXISTS protocol_run_event ON protocol_run;
DROP FUNCTION IF EXISTS praxis_outputs_inserted_events;
DROP FUNCTION IF EXISTS praxis_calls_updated_events;
DROP FUNCTION IF EXISTS praxis_calls_inserted_events;
DROP FUNCTION IF EXISTS praxis_run_status_event;
DROP FUNCTION IF EXISTS praxis_call_ended;
DROP FUNCTION IF EXISTS praxis_call_started;
DROP FUNCTION IF EXISTS praxis_announce_runs;
DROP FUNCTION IF EXISTS praxis_lock_runs;
"""
