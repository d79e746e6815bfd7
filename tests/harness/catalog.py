"""A database's schema as its catalog states it, for comparing two states of one database.

``schema_of(url)`` reads, from ``pg_catalog``, everything a migration can create or change: schemas,
tables (kind, persistence, row security, comment), columns (position among the live ones, type,
nullability, default, identity, generated expression, collation, comment), constraints and indexes
(as PostgreSQL prints them back), enum types and their labels in order, domains, sequences (their
parameters, not their current value), functions, triggers, views (their definitions) and extensions.
Object ids and names PostgreSQL generates are left out, so two databases built alike compare equal.

Alembic's own ``alembic_version`` table is bookkeeping, not schema: a downgrade to base leaves it
behind by design, so it is left out too. Rows are data and are never read here.

Why the catalog and not Alembic's autogenerate (pytest-alembic's ``downgrade_leaves_no_trace``):
autogenerate never compares CHECK constraints, functions, triggers, column order or sequences, and
compares server defaults only when asked; a downgrade that restores a status CHECK with the wrong
values (0002 rewrites two of them) would pass it.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy import make_url

_USER_SCHEMAS = """
    n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
"""
# objects an extension installed belong to the extension (listed by name and version), not to us
_NOT_FROM_EXTENSION = """
    NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')
"""
_NOT_ALEMBIC = "c.relname <> 'alembic_version'"

QUERIES: dict[str, str] = {
    "schemas": f"""
        SELECT n.nspname FROM pg_namespace n WHERE {_USER_SCHEMAS}
        AND {_NOT_FROM_EXTENSION.format(oid="n.oid")}
    """,
    "extensions": "SELECT extname, extversion, extnamespace::regnamespace::text FROM pg_extension",
    "tables": f"""
        SELECT n.nspname, c.relname, c.relkind::text, c.relpersistence::text, c.relrowsecurity,
               coalesce(c.reloptions, '{{}}'), obj_description(c.oid, 'pg_class')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_USER_SCHEMAS} AND {_NOT_ALEMBIC}
        AND {_NOT_FROM_EXTENSION.format(oid="c.oid")}
    """,
    "columns": f"""
        SELECT n.nspname, c.relname, a.attname,
               row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
               format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid),
               a.attidentity::text, a.attgenerated::text, coll.collname, col_description(c.oid, a.attnum)
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        LEFT JOIN pg_collation coll ON coll.oid = a.attcollation AND a.attcollation <> 100
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND {_USER_SCHEMAS} AND {_NOT_ALEMBIC} AND {_NOT_FROM_EXTENSION.format(oid="c.oid")}
    """,
    "constraints": f"""
        SELECT n.nspname, coalesce(c.relname, format_type(con.contypid, NULL)), con.conname, con.contype::text,
               pg_get_constraintdef(con.oid), con.condeferrable, con.condeferred
        FROM pg_constraint con
        JOIN pg_namespace n ON n.oid = con.connamespace
        LEFT JOIN pg_class c ON c.oid = con.conrelid
        WHERE {_USER_SCHEMAS} AND coalesce(c.relname, '') <> 'alembic_version'
        AND {_NOT_FROM_EXTENSION.format(oid="coalesce(c.oid, con.contypid)")}
    """,
    "indexes": f"""
        SELECT n.nspname, c.relname, i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_SCHEMAS} AND {_NOT_ALEMBIC} AND {_NOT_FROM_EXTENSION.format(oid="c.oid")}
    """,
    "types": f"""
        SELECT n.nspname, t.typname, t.typtype::text,
               CASE t.typtype WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
               t.typnotnull, t.typdefault,
               array(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typtype IN ('e', 'd', 'r', 'm')
        AND {_USER_SCHEMAS} AND {_NOT_FROM_EXTENSION.format(oid="t.oid")}
    """,
    "sequences": f"""
        SELECT s.schemaname, s.sequencename, s.data_type::text, s.start_value, s.min_value, s.max_value,
               s.increment_by, s.cycle, s.cache_size
        FROM pg_sequences s
        JOIN pg_namespace n ON n.nspname = s.schemaname
        JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
        WHERE {_USER_SCHEMAS} AND {_NOT_FROM_EXTENSION.format(oid="c.oid")}
    """,
    "functions": f"""
        SELECT n.nspname, p.oid::regprocedure::text, pg_get_functiondef(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prokind IN ('f', 'p') AND {_USER_SCHEMAS} AND {_NOT_FROM_EXTENSION.format(oid="p.oid")}
    """,
    "triggers": f"""
        SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled::text
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND {_USER_SCHEMAS}
    """,
    "views": f"""
        SELECT n.nspname, c.relname, pg_get_viewdef(c.oid)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('v', 'm') AND {_USER_SCHEMAS} AND {_NOT_FROM_EXTENSION.format(oid="c.oid")}
    """,
}

#: One section per kind of object: a set of rows, each a tuple of what the catalog says of one object.
Schema = dict[str, frozenset[tuple[Any, ...]]]


def dsn(url: str) -> str:
    """``url`` for plain asyncpg, which takes no ``+driver``."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def schema_of(url: str) -> Schema:
    """Everything a migration can change in the database at ``url``, read from its catalog."""
    connection = await asyncpg.connect(dsn(url))
    try:
        return {
            section: frozenset(
                tuple(_hashable(value) for value in row) for row in await connection.fetch(sql)
            )
            for section, sql in QUERIES.items()
        }
    finally:
        await connection.close()


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def schema_differences(before: Schema, after: Schema) -> list[str]:
    """What ``after`` has that ``before`` lacks (``+``) and the reverse (``-``), section by section;
    an object changed shows as its old row taken away and its new row added."""
    lines: list[str] = []
    for section in QUERIES:
        gone = sorted(before[section] - after[section], key=repr)
        new = sorted(after[section] - before[section], key=repr)
        lines += [f"{section}: - {row}" for row in gone]
        lines += [f"{section}: + {row}" for row in new]
    return lines
