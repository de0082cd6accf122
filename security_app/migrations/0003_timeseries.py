"""TimescaleDB configuration of the spec for the security schema (docs/timeseries.md).

- Hypertables: audit_logs, security_events, prompt_injection_attempts,
  voice_security_events (1-day chunks), api_access_logs (1-hour chunks).
- Columnstore after 7 days on audit_logs, security_events, api_access_logs;
  retention 7 years (audit_logs, security_events), 1 year (api_access_logs). TSL.
- security_events_daily: continuous aggregate with a refresh policy (TSL), else
  a table of the same name and columns refreshed by manage.py refresh_rollups.

Non-atomic: the first refresh of a continuous aggregate cannot run inside a transaction.
"""

from django.db import migrations, models

from aybiza.core.migration_sql import timeseries_v1 as ts

SECURITY_EVENTS_DAILY_TABLE = """
CREATE TABLE security.security_events_daily (
    day timestamptz NOT NULL,
    tenant_id uuid,
    event_type varchar(100),
    severity varchar(20),
    event_count bigint,
    resolved_count bigint,
    CONSTRAINT security_events_daily_key UNIQUE NULLS NOT DISTINCT (day, tenant_id, event_type, severity)
);
COMMENT ON TABLE security.security_events_daily IS
    'Spec continuous aggregate security_events_daily, kept by manage.py refresh_rollups (no TimescaleDB).';
"""

SECURITY_EVENTS_DAILY_CAGG = """
CREATE MATERIALIZED VIEW security.security_events_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
SELECT time_bucket('1 day', "timestamp") AS day,
       tenant_id,
       event_type,
       severity,
       COUNT(*) AS event_count,
       COUNT(*) FILTER (WHERE resolved = true) AS resolved_count
FROM security.security_events
GROUP BY day, tenant_id, event_type, severity
WITH NO DATA
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("security_app", "0002_spec_indexes"),
        ("analytics", "0003_timeseries"),
    ]

    operations = [
        ts.hypertables(
            ("security.audit_logs", "1 day"),
            ("security.security_events", "1 day"),
            ("security.prompt_injection_attempts", "1 day"),
            ("security.voice_security_events", "1 day"),
            ("security.api_access_logs", "1 hour"),
        ),
        ts.compression_and_retention(
            ("security.audit_logs", "7 years", True),
            ("security.security_events", "7 years", True),
            ("security.api_access_logs", "1 year", True),
        ),
        ts.rollup(
            name="security_events_daily",
            relation="security.security_events_daily",
            source="security.security_events",
            time_column="timestamp",
            width="1 day",
            where="",
            table_sql=SECURITY_EVENTS_DAILY_TABLE,
            cagg_sql=SECURITY_EVENTS_DAILY_CAGG,
            # Events resolved up to 30 days later are picked up by the policy;
            # later changes by manage.py refresh_rollups (whole range).
            policy=("30 days", None, "1 hour"),
        ),
        migrations.CreateModel(
            name="SecurityEventsDaily",
            fields=[
                ("day", models.DateTimeField(primary_key=True, serialize=False)),
                ("tenant_id", models.UUIDField(null=True)),
                ("event_type", models.CharField(max_length=100)),
                ("severity", models.CharField(max_length=20)),
                ("event_count", models.BigIntegerField()),
                ("resolved_count", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "daily security events",
                "verbose_name_plural": "daily security events",
                "db_table": 'security"."security_events_daily',
                "ordering": ["-day"],
                "managed": False,
            },
        ),
    ]
