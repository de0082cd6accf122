"""TimescaleDB mode, checked through timescaledb_information (skipped without the extension)."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from automation.models import ExecutionLog, NodeExecution, WorkflowNode, WorkflowVersion
from aybiza.core import timeseries
from aybiza.core.tenancy import tenant_context
from security_app.models import SecurityEvent, SecurityEventsDaily

pytestmark = pytest.mark.timescale

SPEC_HYPERTABLES = {
    ("call_analytics", "detailed_metrics"): dt.timedelta(hours=1),
    ("automation_engine", "execution_logs"): dt.timedelta(days=1),
    ("security", "audit_logs"): dt.timedelta(days=1),
    ("security", "security_events"): dt.timedelta(days=1),
    ("security", "prompt_injection_attempts"): dt.timedelta(days=1),
    ("security", "voice_security_events"): dt.timedelta(days=1),
    ("security", "api_access_logs"): dt.timedelta(hours=1),
}
COMPRESSED = {("call_analytics", "detailed_metrics"), ("automation_engine", "execution_logs"),
              ("security", "audit_logs"), ("security", "security_events"), ("security", "api_access_logs")}
RETENTION = {
    ("call_analytics", "detailed_metrics"): "2 years",
    ("automation_engine", "execution_logs"): "1 year",
    ("security", "audit_logs"): "7 years",
    ("security", "security_events"): "7 years",
    ("security", "api_access_logs"): "1 year",
}


@pytest.fixture(autouse=True)
def timescale_license(requires_timescaledb):
    if timeseries.timescaledb_license() != "timescale":
        pytest.skip("Apache-only TimescaleDB build: no columnstore, continuous aggregates or policies to check")


def rows(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def test_mode_version_and_license(requires_timescaledb):
    assert timeseries.mode() == timeseries.TIMESCALEDB, "these tests expect the Timescale-License build"
    version = timeseries.timescaledb_version()
    assert tuple(int(p) for p in version.split(".")[:2]) >= (2, 20)
    assert timeseries.timescaledb_license() == "timescale"


def test_the_seven_hypertables_with_the_spec_chunk_intervals_and_no_space_dimension(requires_timescaledb):
    dims = rows(
        """SELECT hypertable_schema, hypertable_name, column_name, dimension_type, time_interval
           FROM timescaledb_information.dimensions WHERE hypertable_schema <> '_timescaledb_internal'"""
    )
    found = {(s, n): (col, kind, interval) for s, n, col, kind, interval in dims}
    assert len(dims) == len(found) == 7  # one (time) dimension each: no space partitioning
    for key, interval in SPEC_HYPERTABLES.items():
        assert found[key] == ("timestamp", "Time", interval), key
    # Primary key (id, "timestamp"); no FK from node_executions into execution_logs.
    for schema, name in SPEC_HYPERTABLES:
        (definition,) = rows(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
            [f"{schema}.{name}"],
        )[0]
        assert definition == 'PRIMARY KEY (id, "timestamp")', name
    assert rows(
        """SELECT 1 FROM pg_constraint WHERE contype = 'f'
           AND confrelid = 'automation_engine.execution_logs'::regclass"""
    ) == []


def test_continuous_aggregates_and_refresh_policies(requires_timescaledb):
    caggs = {
        (s, n): (materialized_only, definition)
        for s, n, materialized_only, definition in rows(
            "SELECT view_schema, view_name, materialized_only, view_definition FROM timescaledb_information.continuous_aggregates"
        )
    }
    assert set(caggs) == {("security", "security_events_daily"), ("call_analytics", "performance_metrics_hourly")}
    assert all(materialized_only for materialized_only, _ in caggs.values())
    assert "time_bucket('1 day'" in caggs[("security", "security_events_daily")][1]
    perf = caggs[("call_analytics", "performance_metrics_hourly")][1]
    assert "time_bucket('01:00:00'" in perf or "time_bucket('1 hour'" in perf
    assert "'latency'" in perf
    # call_analytics_hourly is an application rollup (calls has RLS): a table, not a cagg.
    assert rows("SELECT relkind FROM pg_class WHERE oid = 'call_analytics.call_analytics_hourly'::regclass") == [("r",)]
    policies = {
        (s, n): json.loads(config)
        for s, n, config in rows(
            """SELECT hypertable_schema, hypertable_name, config FROM timescaledb_information.jobs
               WHERE proc_name = 'policy_refresh_continuous_aggregate'"""
        )
    }
    assert policies[("security", "security_events_daily")]["start_offset"] == "30 days"
    assert policies[("call_analytics", "performance_metrics_hourly")]["start_offset"] == "7 days"
    assert all(config["end_offset"] is None for config in policies.values())


def test_columnstore_settings_and_policies(requires_timescaledb):
    settings = {
        tuple(h.split(".")): (segmentby, orderby)
        for h, segmentby, orderby in rows(
            "SELECT hypertable::text, segmentby, orderby FROM timescaledb_information.hypertable_columnstore_settings"
            " WHERE hypertable::text NOT LIKE '_timescaledb_internal.%%'"
        )
    }
    for key in SPEC_HYPERTABLES:
        expected = ("tenant_id", '"timestamp" DESC,id') if key in COMPRESSED else (None, None)
        assert settings[key] == expected, key
    enabled = {
        (s, n) for s, n in rows(
            "SELECT hypertable_schema, hypertable_name FROM timescaledb_information.hypertables WHERE compression_enabled"
        )
    }
    assert enabled == COMPRESSED
    compression = {
        (s, n): json.loads(config)["compress_after"]
        for s, n, config in rows(
            "SELECT hypertable_schema, hypertable_name, config FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'"
        )
    }
    assert compression == {key: "7 days" for key in COMPRESSED}
    retention = {
        (s, n): json.loads(config)["drop_after"]
        for s, n, config in rows(
            "SELECT hypertable_schema, hypertable_name, config FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'"
        )
    }
    assert retention == RETENTION


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clean_spec_tables")
def test_old_chunks_compress_and_stay_queryable(requires_timescaledb, world):
    org = world.organization("org-ts")
    tenant = world.tenant(org, "tenant-ts")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    for minutes in range(5):
        SecurityEvent.objects.create(timestamp=old + dt.timedelta(minutes=minutes), organization=org, tenant=tenant,
                                     event_type="login_failure", severity="low", source="ts")
    compressed = rows(
        "SELECT compress_chunk(c, true)::text FROM show_chunks('security.security_events', older_than => INTERVAL '7 days') c"
    )
    assert len(compressed) == 1
    assert rows(
        """SELECT count(*) FROM timescaledb_information.chunks
           WHERE hypertable_schema = 'security' AND hypertable_name = 'security_events' AND is_compressed"""
    ) == [(1,)]
    assert SecurityEvent.objects.filter(tenant=tenant).count() == 5
    SecurityEvent.objects.filter(tenant=tenant).update(resolved=True)  # DML on compressed data
    timeseries.refresh_rollup("security_events_daily")
    assert SecurityEventsDaily.objects.get(tenant_id=tenant.pk).resolved_count == 5
    report = timeseries.status()
    entry = next(h for h in report["hypertables"] if h["table"] == "security.security_events")
    assert entry["compressed_chunks"] == 1 and entry["compression"] == "enabled"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clean_spec_tables")
def test_rollups_are_readable_as_a_tenant(requires_timescaledb, world):
    """Grants reach the continuous aggregates (their materialization is internal to TimescaleDB)."""
    org = world.organization("org-ts-read")
    tenant = world.tenant(org, "tenant-ts-read")
    SecurityEvent.objects.create(organization=org, tenant=tenant, event_type="login_failure", severity="low", source="x")
    timeseries.refresh_rollup("security_events_daily")
    with tenant_context(tenant.pk):
        assert SecurityEventsDaily.objects.filter(tenant_id=tenant.pk).count() == 1
        assert rows("SELECT count(*) FROM call_analytics.performance_metrics_hourly") == [(0,)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clean_spec_tables")
def test_enforce_retention_defers_to_policies_or_drops_chunks_now(requires_timescaledb, world):
    org = world.organization("org-ts-ret")
    tenant = world.tenant(org, "tenant-ts-ret")
    user = world.user(org, tenant)
    workflow = world.workflow(tenant, user)
    version = WorkflowVersion.objects.create(workflow=workflow, version=1, trigger_config={}, created_by=user)
    node = WorkflowNode.objects.create(workflow=workflow, workflow_version=version, name="n", node_type="action",
                                       created_by=user)
    now = dt.datetime.now(dt.UTC)
    for when in (now - dt.timedelta(days=400), now - dt.timedelta(days=10)):
        log = ExecutionLog.objects.create(timestamp=when, workflow=workflow, workflow_version=version,
                                          organization=org, tenant=tenant, trigger_type="manual")
        NodeExecution.objects.create(execution_log=log, node=node, node_name="n", node_type="action", started_at=when)

    out = StringIO()
    call_command("enforce_retention", "--table", "execution_logs", stdout=out, stderr=StringIO())
    assert "handled by TimescaleDB (retention job" in out.getvalue()
    assert ExecutionLog.objects.count() == 2  # left to the policy

    out = StringIO()
    call_command("enforce_retention", "--table", "execution_logs", "--now", stdout=out, stderr=StringIO())
    assert "1 chunk(s) dropped" in out.getvalue()
    assert "1 orphaned node_executions removed" in out.getvalue()
    assert ExecutionLog.objects.count() == 1
    assert NodeExecution.objects.count() == 1


def test_timeseries_status_in_timescaledb_mode(requires_timescaledb):
    out = StringIO()
    call_command("timeseries_status", stdout=out)
    text = out.getvalue()
    assert f"Mode: timescaledb (TimescaleDB {timeseries.timescaledb_version()}, license timescale)" in text
    assert "7/7 hypertable(s)" in text
    assert "security.security_events_daily" in text and "continuous aggregate (materialized only)" in text
    assert "Retention Policy" in text and "Columnstore Policy" in text and "Refresh Continuous Aggregate Policy" in text
