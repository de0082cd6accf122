"""Time-series SQL of the migrations (frozen, version 1; see __init__.py: never edit).

Used by analytics, automation and security_app 0003.

Each migration decides its mode from what the server offers:

- TimescaleDB mode when ``pg_available_extensions`` lists timescaledb AND
  the server preloads it (``shared_preload_libraries``); the extension is then
  created (``CREATE EXTENSION IF NOT EXISTS timescaledb``).
- Timescale-License features (columnstore, continuous aggregates, every
  policy) only when ``current_setting('timescaledb.license', true)`` is
  ``'timescale'``; an Apache-only build gets hypertables and a warning that
  says what was skipped (rollups and retention then work as in plain mode).
- Otherwise plain PostgreSQL: nothing here runs but the rollup tables.

The SQL these helpers emit is part of the migrations' history: change it
only by adding a new migration.
"""

from __future__ import annotations

import logging

from django.db import migrations, transaction

logger = logging.getLogger("aybiza.core.timeseries")

ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'"


def _fetch(schema_editor, sql, params=None):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()


def _execute(schema_editor, sql, params=None):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, params)


def has_timescaledb(schema_editor) -> bool:
    """Create the extension when the server can run it; True when the database has it."""
    if _fetch(schema_editor, "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'"):
        return True
    available, preloaded = _fetch(
        schema_editor,
        """SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'),
                  current_setting('shared_preload_libraries') ~ '(^|[\\s,/])timescaledb(\\s|,|$)'""",
    )
    if available and preloaded:
        _execute(schema_editor, "CREATE EXTENSION IF NOT EXISTS timescaledb")
        return True
    if available:
        logger.warning(
            "TimescaleDB is installed on the server but not in shared_preload_libraries: "
            "plain-PostgreSQL mode (no hypertables, no policies)."
        )
    return False


def has_timescale_license(schema_editor) -> bool:
    return has_timescaledb(schema_editor) and _fetch(
        schema_editor, "SELECT current_setting('timescaledb.license', true) = 'timescale'"
    )[0]


def _skipped(what: str) -> None:
    logger.warning(
        "TimescaleDB Apache-only build (timescaledb.license != 'timescale'): skipped %s; "
        "manage.py refresh_rollups / enforce_retention do that work instead.",
        what,
    )


# --------------------------------------------------------------------------
# Hypertables, columnstore, retention
# --------------------------------------------------------------------------


def hypertables(*tables):
    """create_hypertable for each (relation, chunk interval); TimescaleDB mode only.

    No default index is created (the spec lists each table's indexes; the
    time-partitioning gives chunk exclusion) and no space dimension (decisions.md).
    """

    def forward(apps, schema_editor):
        if not has_timescaledb(schema_editor):
            return
        for relation, interval in tables:
            _execute(
                schema_editor,
                """SELECT create_hypertable(%s::regclass, by_range('timestamp', %s::interval),
                                            create_default_indexes => false, migrate_data => true, if_not_exists => true)""",
                [relation, interval],
            )

    def backward(apps, schema_editor):
        # A hypertable cannot be turned back into a plain table in place;
        # unapplying the earlier migrations drops these tables altogether.
        pass

    return migrations.RunPython(forward, backward)


def compression_and_retention(*tables, compress_after="7 days"):
    """Columnstore (segmentby tenant_id) + columnstore and retention policies; TSL only.

    `tables`: (relation, retention interval or None, compress: bool).
    """

    def forward(apps, schema_editor):
        if not has_timescaledb(schema_editor):
            return
        if not has_timescale_license(schema_editor):
            _skipped("columnstore (compression) and retention policies on " + ", ".join(t[0] for t in tables))
            return
        for relation, retention, compress in tables:
            if compress:
                # orderby ends with id: the primary key (id, "timestamp") is then
                # checked on compressed chunks without decompressing them.
                _execute(
                    schema_editor,
                    f"""ALTER TABLE {relation} SET (timescaledb.enable_columnstore,
                                                  timescaledb.segmentby = 'tenant_id',
                                                  timescaledb.orderby = '"timestamp" DESC, id')""",
                )
                _execute(
                    schema_editor,
                    "CALL add_columnstore_policy(%s::regclass, after => %s::interval, if_not_exists => true)",
                    [relation, compress_after],
                )
            if retention:
                _execute(
                    schema_editor,
                    "SELECT add_retention_policy(%s::regclass, drop_after => %s::interval, if_not_exists => true)",
                    [relation, retention],
                )

    def backward(apps, schema_editor):
        if not _fetch(schema_editor, "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'"):
            return
        if not _fetch(schema_editor, "SELECT current_setting('timescaledb.license', true) = 'timescale'")[0]:
            return
        for relation, retention, compress in tables:
            if retention:
                _execute(schema_editor, "SELECT remove_retention_policy(%s::regclass, if_exists => true)", [relation])
            if compress:
                _execute(schema_editor, "CALL remove_columnstore_policy(%s::regclass, if_exists => true)", [relation])
                _execute(
                    schema_editor,
                    "SELECT decompress_chunk(c, true) FROM show_chunks(%s::regclass) c",
                    [relation],
                )
                _execute(schema_editor, f"ALTER TABLE {relation} SET (timescaledb.enable_columnstore = false)")

    return migrations.RunPython(forward, backward)


# --------------------------------------------------------------------------
# Rollups
# --------------------------------------------------------------------------

# The invalidation log, the run-state table and the two trigger functions
# shared by every application rollup. Created once (analytics 0003).
INFRASTRUCTURE_SQL = """
CREATE TABLE public.timeseries_invalidations (
    rollup text NOT NULL,
    bucket timestamptz NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX timeseries_invalidations_rollup_bucket ON public.timeseries_invalidations (rollup, bucket);
COMMENT ON TABLE public.timeseries_invalidations IS
    'Buckets of application rollups whose source rows changed since the last refresh (append-only; manage.py refresh_rollups consumes it).';

CREATE TABLE public.timeseries_state (
    name text PRIMARY KEY,
    kind text NOT NULL,
    last_run_started_at timestamptz,
    last_run_finished_at timestamptz,
    last_run_status text,
    last_rows bigint,
    last_detail text
);
COMMENT ON TABLE public.timeseries_state IS
    'Last run of each rollup refresh and retention job run by manage.py (shown by manage.py timeseries_status).';

-- Statement-level trigger: record the bucket of every changed row.
-- TG_ARGV: rollup name, time column, bucket width, optional row filter on alias s.
CREATE FUNCTION public.timeseries_invalidate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_sql text := 'INSERT INTO public.timeseries_invalidations (rollup, bucket) '
               || 'SELECT DISTINCT $1, date_bin($2, s.%I, TIMESTAMPTZ ''2000-01-03 00:00:00+00'') FROM %I s WHERE %s';
    v_where text := COALESCE(NULLIF(TG_ARGV[3], ''), 'true');
BEGIN
    -- Retention (manage.py enforce_retention) keeps aggregates of rows that age out.
    IF current_setting('aybiza.retention_in_progress', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format(v_sql, TG_ARGV[1], 'new_rows', v_where) USING TG_ARGV[0], TG_ARGV[2]::interval;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format(v_sql, TG_ARGV[1], 'old_rows', v_where) USING TG_ARGV[0], TG_ARGV[2]::interval;
    END IF;
    RETURN NULL;
END
$fn$;

-- TRUNCATE of a source empties its rollup. TG_ARGV: rollup name, rollup relation.
CREATE FUNCTION public.timeseries_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    EXECUTE format('DELETE FROM %s', TG_ARGV[1]::regclass);
    DELETE FROM public.timeseries_invalidations WHERE rollup = TG_ARGV[0];
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION public.timeseries_invalidate() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.timeseries_truncate() FROM PUBLIC;
"""

INFRASTRUCTURE_REVERSE_SQL = """
DROP FUNCTION IF EXISTS public.timeseries_truncate();
DROP FUNCTION IF EXISTS public.timeseries_invalidate();
DROP TABLE IF EXISTS public.timeseries_state;
DROP TABLE IF EXISTS public.timeseries_invalidations;
"""


def _trigger_sql(name, source, time_column, width, where, relation):
    where_literal = where.replace("'", "''")
    args = f"'{name}', '{time_column}', '{width}', '{where_literal}'"
    return f"""
CREATE TRIGGER timeseries_{name}_insert AFTER INSERT ON {source}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.timeseries_invalidate({args});
CREATE TRIGGER timeseries_{name}_update AFTER UPDATE ON {source}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.timeseries_invalidate({args});
CREATE TRIGGER timeseries_{name}_delete AFTER DELETE ON {source}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.timeseries_invalidate({args});
CREATE TRIGGER timeseries_{name}_truncate AFTER TRUNCATE ON {source}
    FOR EACH STATEMENT EXECUTE FUNCTION public.timeseries_truncate('{name}', '{relation}');
-- Everything already in the source is waiting for the first refresh.
INSERT INTO public.timeseries_invalidations (rollup, bucket)
    SELECT DISTINCT '{name}', date_bin(INTERVAL '{width}', s."{time_column}", {ORIGIN})
    FROM {source} s WHERE {where or 'true'};
"""


def _drop_triggers_sql(name, source):
    return "".join(
        f"DROP TRIGGER IF EXISTS timeseries_{name}_{op} ON {source};\n" for op in ("insert", "update", "delete", "truncate")
    ) + f"DELETE FROM public.timeseries_invalidations WHERE rollup = '{name}';\n"


def application_rollup(*, name, relation, source, time_column, width, where, table_sql):
    """A rollup kept by the application in every mode (call_analytics_hourly)."""
    return migrations.RunSQL(
        table_sql + _trigger_sql(name, source, time_column, width, where, relation),
        reverse_sql=_drop_triggers_sql(name, source) + f"DROP TABLE IF EXISTS {relation};",
    )


def rollup(*, name, relation, source, time_column, width, where, table_sql, cagg_sql, policy):
    """A continuous aggregate (TSL) or, elsewhere, an application rollup of the same name and columns.

    `policy`: (start_offset, end_offset or None, schedule_interval) of its refresh policy.
    The migration using this must be non-atomic: the first refresh of a
    continuous aggregate cannot run inside a transaction.
    """

    def forward(apps, schema_editor):
        connection = schema_editor.connection
        with transaction.atomic(using=connection.alias):
            cagg = has_timescale_license(schema_editor)
            if cagg:
                _execute(schema_editor, cagg_sql)
                start, end, every = policy
                _execute(
                    schema_editor,
                    """SELECT add_continuous_aggregate_policy(%s::regclass, start_offset => %s::interval,
                              end_offset => %s::interval, schedule_interval => %s::interval, if_not_exists => true)""",
                    [relation, start, end, every],
                )
            else:
                if has_timescaledb(schema_editor):
                    _skipped(f"continuous aggregate {relation} (an application rollup of the same name is used)")
                _execute(schema_editor, table_sql + _trigger_sql(name, source, time_column, width, where, relation))
        if cagg and _fetch(schema_editor, f"SELECT EXISTS (SELECT 1 FROM {source})")[0]:
            # Outside any transaction (non-atomic migration): materialize existing data now.
            _execute(schema_editor, "CALL refresh_continuous_aggregate(%s::regclass, NULL, NULL)", [relation])

    def backward(apps, schema_editor):
        is_cagg = _fetch(
            schema_editor,
            """SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
                      AND to_regclass(%s) IS NOT NULL
                      AND (SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)) = 'v'""",
            [relation, relation],
        )[0]
        if is_cagg:
            _execute(schema_editor, f"DROP MATERIALIZED VIEW IF EXISTS {relation}")
        else:
            _execute(schema_editor, _drop_triggers_sql(name, source) + f"DROP TABLE IF EXISTS {relation};")

    return migrations.RunPython(forward, backward)
