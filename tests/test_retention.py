"""Retention removes only rows older than the spec's intervals, in batches, idempotently.

The batched-delete path is what plain-PostgreSQL (and Apache-only) mode runs;
it is exercised here in both modes (`use_policies=False`). Timescale's own
policies and drop_chunks are checked in tests/test_timescale.py.
"""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from automation.models import ExecutionLog, NodeExecution, WorkflowNode, WorkflowVersion
from analytics.models import DetailedMetric
from aybiza.core import timeseries
from security_app.models import ApiAccessLog, AuditLog, SecurityEvent, SecurityEventsDaily

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_spec_tables")]

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def ago(interval_days):
    return NOW - interval_days * DAY


@pytest.fixture
def scene(world):
    org = world.organization("org-retention")
    tenant = world.tenant(org, "tenant-retention")
    user = world.user(org, tenant)
    workflow = world.workflow(tenant, user)
    version = WorkflowVersion.objects.create(workflow=workflow, version=1, trigger_config={}, created_by=user)
    node = WorkflowNode.objects.create(
        workflow=workflow, workflow_version=version, name="n", node_type="action", created_by=user
    )
    return {"org": org, "tenant": tenant, "workflow": workflow, "version": version, "node": node}


def make_rows(scene, when, tag):
    org, tenant = scene["org"], scene["tenant"]
    DetailedMetric.objects.create(
        timestamp=when, call_sid=tag, organization_id=org.pk, tenant_id=tenant.pk,
        metric_type="latency", metric_name="stt_ms", metric_value=1.0,
    )
    log = ExecutionLog.objects.create(
        timestamp=when, workflow=scene["workflow"], workflow_version=scene["version"], organization=org,
        tenant=tenant, trigger_type="manual", metadata={"tag": tag},
    )
    NodeExecution.objects.create(execution_log=log, node=scene["node"], node_name="n", node_type="action", started_at=when)
    AuditLog.objects.create(timestamp=when, organization=org, tenant=tenant, action=tag, resource_type="test")
    SecurityEvent.objects.create(timestamp=when, organization=org, tenant=tenant, event_type="login_failure",
                                 severity="low", source=tag)
    ApiAccessLog.objects.create(timestamp=when, organization=org, tenant=tenant, endpoint=tag, method="GET",
                                status_code=200, response_time_ms=5)


# (model, interval in days from the spec, tag column)
KEPT = {
    "detailed_metrics": (DetailedMetric, 730, "call_sid"),
    "execution_logs": (ExecutionLog, 365, "metadata__tag"),
    "audit_logs": (AuditLog, 7 * 365, "action"),
    "security_events": (SecurityEvent, 7 * 365, "source"),
    "api_access_logs": (ApiAccessLog, 365, "endpoint"),
}


def test_spec_intervals():
    assert {t.name: t.retention for t in timeseries.retention_tables()} == {
        "detailed_metrics": "2 years", "execution_logs": "1 year", "audit_logs": "7 years",
        "security_events": "7 years", "api_access_logs": "1 year",
    }


def test_batched_retention_removes_only_rows_older_than_each_interval(scene):
    # For every table: three rows just past its interval, one just inside it
    # (each make_rows writes into all five tables).
    for name, (_model, days, _tag) in KEPT.items():
        for i in range(3):
            make_rows(scene, ago(_row_age(days, i)), f"old-{name}")
        make_rows(scene, ago(_row_age(days, 3)), f"new-{name}")
    totals = {name: model.objects.count() for name, (model, _d, _t) in KEPT.items()}

    results = {
        t.name: timeseries.enforce_retention(t, now=NOW, batch_size=2, use_policies=False)
        for t in timeseries.retention_tables()
    }
    for name, (model, days, tag) in KEPT.items():
        # Exactly the rows older than this table's interval are gone.
        expected_deleted = sum(1 for (_m, d, _t) in KEPT.values() for i in range(4) if _row_age(d, i) > days)
        assert results[name].rows_deleted == expected_deleted, name
        assert model.objects.count() == totals[name] - expected_deleted, name
        assert model.objects.filter(**{tag: f"new-{name}"}).exists(), name
        assert not model.objects.filter(**{tag: f"old-{name}"}).exists(), name
    # node_executions went with their execution_logs, and only with them.
    assert results["execution_logs"].related_rows_deleted == results["execution_logs"].rows_deleted
    assert NodeExecution.objects.count() == ExecutionLog.objects.count()
    assert set(NodeExecution.objects.values_list("execution_log_id", flat=True)) == set(
        ExecutionLog.objects.values_list("id", flat=True)
    )

    # Idempotent: a second run finds nothing to delete.
    again = [timeseries.enforce_retention(t, now=NOW, batch_size=2, use_policies=False)
             for t in timeseries.retention_tables()]
    assert [r.rows_deleted for r in again] == [0] * 5
    assert timeseries.state("retention:security.audit_logs")["last_run_status"] == "success"


def _row_age(days, index):
    """Age in days of the index-th row made for an interval of `days` (3 old ones, then a new one).

    The margins exceed the leap days that make '7 years' longer than 7 * 365 days.
    """
    return days + 5 + index if index < 3 else days - 5


def test_retention_deletes_do_not_erase_rollup_figures(scene):
    make_rows(scene, ago(7 * 365 + 10), "ancient")
    make_rows(scene, ago(1), "recent")
    timeseries.refresh_rollup("security_events_daily")
    assert SecurityEventsDaily.objects.count() == 2
    timeseries.enforce_retention(timeseries.hypertable("security_events"), now=NOW, use_policies=False)
    assert SecurityEvent.objects.count() == 1
    if not timeseries.is_continuous_aggregate(timeseries.rollups()["security_events_daily"]):
        # As with Timescale's drop_chunks: aggregates outlive the rows that aged out.
        timeseries.refresh_rollup("security_events_daily")
        assert SecurityEventsDaily.objects.count() == 2


def test_enforce_retention_command_dry_run_and_summary(scene):
    make_rows(scene, ago(800), "old")
    make_rows(scene, ago(10), "new")
    out = StringIO()
    as_of = NOW.isoformat()
    call_command("enforce_retention", "--dry-run", "--as-of", as_of, stdout=out, stderr=StringIO())
    assert "would delete" in out.getvalue()
    assert DetailedMetric.objects.count() == 2  # dry run deleted nothing
    out = StringIO()
    call_command("enforce_retention", "--as-of", as_of, "--table", "api_access_logs", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "over 1 table(s)" in text
    if timeseries.retention_job(timeseries.hypertable("api_access_logs")) is None:
        assert "deleted 1 row(s)" in text
        assert ApiAccessLog.objects.count() == 1
    else:
        assert "handled by TimescaleDB" in text
