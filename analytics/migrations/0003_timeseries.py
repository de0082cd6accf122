"""TimescaleDB configuration of the spec for the call_analytics schema (docs/timeseries.md).

- detailed_metrics: hypertable (1-hour chunks), columnstore after 7 days,
  retention 2 years (TimescaleDB with the Timescale License).
- performance_metrics_hourly: continuous aggregate with a refresh policy (TSL),
  else a table of the same name and columns refreshed by manage.py refresh_rollups.
- call_analytics_hourly: always a table refreshed incrementally by the
  application (its source, calls, has row-level security, which continuous
  aggregates refuse).
- The invalidation log and run-state tables shared by the application rollups.

Non-atomic: the first refresh of a continuous aggregate cannot run inside a transaction.
"""

from django.db import migrations, models

from aybiza.core.migration_sql import timeseries_v1 as ts

PERFORMANCE_METRICS_HOURLY_TABLE = """
CREATE TABLE call_analytics.performance_metrics_hourly (
    hour timestamptz NOT NULL,
    tenant_id uuid,
    metric_name varchar(100),
    avg_value double precision,
    min_value double precision,
    max_value double precision,
    sample_count bigint,
    CONSTRAINT performance_metrics_hourly_key UNIQUE NULLS NOT DISTINCT (hour, tenant_id, metric_name)
);
COMMENT ON TABLE call_analytics.performance_metrics_hourly IS
    'Spec continuous aggregate performance_metrics_hourly, kept by manage.py refresh_rollups (no TimescaleDB).';
"""

PERFORMANCE_METRICS_HOURLY_CAGG = """
CREATE MATERIALIZED VIEW call_analytics.performance_metrics_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
SELECT time_bucket('1 hour', "timestamp") AS hour,
       tenant_id,
       metric_name,
       AVG(metric_value) AS avg_value,
       MIN(metric_value) AS min_value,
       MAX(metric_value) AS max_value,
       COUNT(*) AS sample_count
FROM call_analytics.detailed_metrics
WHERE metric_type = 'latency'
GROUP BY hour, tenant_id, metric_name
WITH NO DATA
"""

CALL_ANALYTICS_HOURLY_TABLE = """
CREATE TABLE call_analytics.call_analytics_hourly (
    hour timestamptz NOT NULL,
    tenant_id uuid,
    agent_id uuid,
    total_calls bigint,
    avg_duration numeric,
    avg_quality numeric,
    total_cost numeric,
    successful_calls bigint,
    CONSTRAINT call_analytics_hourly_key UNIQUE NULLS NOT DISTINCT (hour, tenant_id, agent_id)
);
COMMENT ON TABLE call_analytics.call_analytics_hourly IS
    'Spec continuous aggregate call_analytics_hourly, kept by manage.py refresh_rollups (calls has RLS: no cagg).';
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("analytics", "0002_spec_indexes"),
    ]

    operations = [
        migrations.RunSQL(ts.INFRASTRUCTURE_SQL, reverse_sql=ts.INFRASTRUCTURE_REVERSE_SQL),
        ts.hypertables(("call_analytics.detailed_metrics", "1 hour")),
        ts.compression_and_retention(("call_analytics.detailed_metrics", "2 years", True)),
        ts.application_rollup(
            name="call_analytics_hourly",
            relation="call_analytics.call_analytics_hourly",
            source="call_analytics.calls",
            time_column="start_time",
            width="1 hour",
            where="",
            table_sql=CALL_ANALYTICS_HOURLY_TABLE,
        ),
        ts.rollup(
            name="performance_metrics_hourly",
            relation="call_analytics.performance_metrics_hourly",
            source="call_analytics.detailed_metrics",
            time_column="timestamp",
            width="1 hour",
            where="s.metric_type = 'latency'",
            table_sql=PERFORMANCE_METRICS_HOURLY_TABLE,
            cagg_sql=PERFORMANCE_METRICS_HOURLY_CAGG,
            # Late metrics up to 7 days old are picked up by the policy; older
            # ones by manage.py refresh_rollups (which refreshes the whole range).
            policy=("7 days", None, "30 minutes"),
        ),
        migrations.CreateModel(
            name="CallAnalyticsHourly",
            fields=[
                ("hour", models.DateTimeField(primary_key=True, serialize=False)),
                ("tenant_id", models.UUIDField()),
                ("agent_id", models.UUIDField(null=True)),
                ("total_calls", models.BigIntegerField()),
                ("avg_duration", models.DecimalField(decimal_places=10, max_digits=30, null=True)),
                ("avg_quality", models.DecimalField(decimal_places=10, max_digits=30, null=True)),
                ("total_cost", models.DecimalField(decimal_places=10, max_digits=30, null=True)),
                ("successful_calls", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "hourly call analytics",
                "verbose_name_plural": "hourly call analytics",
                "db_table": 'call_analytics"."call_analytics_hourly',
                "ordering": ["-hour"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="PerformanceMetricsHourly",
            fields=[
                ("hour", models.DateTimeField(primary_key=True, serialize=False)),
                ("tenant_id", models.UUIDField()),
                ("metric_name", models.CharField(max_length=100)),
                ("avg_value", models.FloatField()),
                ("min_value", models.FloatField()),
                ("max_value", models.FloatField()),
                ("sample_count", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "hourly performance metric",
                "db_table": 'call_analytics"."performance_metrics_hourly',
                "ordering": ["-hour"],
                "managed": False,
            },
        ),
    ]
