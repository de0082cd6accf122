"""Newest-first indexes for the admin changelists of the large tables.

The ops console lists calls, metrics, logs and events newest first, within a
recent window (`WHERE t >= now() - '7 days' ORDER BY t DESC, id DESC LIMIT 50`).
The spec's indexes all lead with tenant/status/type, so without these every
unfiltered page is a sequential scan plus sort of the whole table (about a
second at a million rows). With them a page reads ~50 index entries.

Hypertables refuse CREATE INDEX CONCURRENTLY (and propagate a plain one to
their chunks); regular tables get CONCURRENTLY, so this migration is non-atomic.
"""

from django.db import migrations

INDEXES = [
    # (index, schema.table, columns)
    ("idx_calls_start_time_admin", "call_analytics.calls", '(start_time DESC, id DESC)'),
    ("idx_call_transcripts_created_admin", "call_analytics.call_transcripts", "(created_at DESC, id DESC)"),
    ("idx_call_analytics_created_admin", "call_analytics.call_analytics", "(created_at DESC, id DESC)"),
    ("idx_detailed_metrics_time_admin", "call_analytics.detailed_metrics", '("timestamp" DESC, id DESC)'),
    ("idx_execution_logs_time_admin", "automation_engine.execution_logs", '("timestamp" DESC, id DESC)'),
    ("idx_node_executions_started_admin", "automation_engine.node_executions", "(started_at DESC, id DESC)"),
    ("idx_audit_logs_time_admin", "security.audit_logs", '("timestamp" DESC, id DESC)'),
    ("idx_security_events_time_admin", "security.security_events", '("timestamp" DESC, id DESC)'),
    ("idx_api_access_logs_time_admin", "security.api_access_logs", '("timestamp" DESC, id DESC)'),
    ("idx_prompt_injection_time_admin", "security.prompt_injection_attempts", '("timestamp" DESC, id DESC)'),
    ("idx_voice_security_time_admin", "security.voice_security_events", '("timestamp" DESC, id DESC)'),
]


def _is_hypertable(cursor, table: str) -> bool:
    cursor.execute("SELECT to_regclass('_timescaledb_catalog.hypertable') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return False
    schema, name = table.split(".")
    cursor.execute(
        "SELECT 1 FROM _timescaledb_catalog.hypertable WHERE schema_name = %s AND table_name = %s", [schema, name]
    )
    return cursor.fetchone() is not None


def create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for index, table, columns in INDEXES:
            concurrently = "" if _is_hypertable(cursor, table) else "CONCURRENTLY "
            cursor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {index} ON {table} {columns}")


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for index, table, _ in INDEXES:
            schema = table.split(".")[0]
            cursor.execute(f"DROP INDEX IF EXISTS {schema}.{index}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("analytics", "0003_timeseries"),
        ("automation", "0003_timeseries"),
        ("security_app", "0003_timeseries"),
    ]

    operations = [migrations.RunPython(create, drop)]
