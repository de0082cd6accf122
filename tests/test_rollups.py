"""The spec's three rollups hold exactly the figures of their definitions, refreshed incrementally.

These run in both modes. In TimescaleDB mode security_events_daily and
performance_metrics_hourly are continuous aggregates (refreshed by
refresh_continuous_aggregate, which cannot run in a transaction: hence
transactional tests); call_analytics_hourly is an application rollup in both.
"""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from analytics.models import Call, CallAnalyticsHourly, DetailedMetric, PerformanceMetricsHourly
from aybiza.core import timeseries
from security_app.models import SecurityEvent, SecurityEventsDaily

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_spec_tables")]

UTC = dt.UTC
H1 = dt.datetime(2026, 3, 2, 10, tzinfo=UTC)
H2 = dt.datetime(2026, 3, 2, 11, tzinfo=UTC)
H3 = dt.datetime(2026, 3, 2, 14, tzinfo=UTC)


def at(hour, minutes):
    return hour + dt.timedelta(minutes=minutes)


def xmins(relation, bucket_column, buckets):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {bucket_column}, xmin::text FROM {relation} WHERE {bucket_column} = ANY(%s) ORDER BY 1, 2",
            [list(buckets)],
        )
        return cursor.fetchall()


def spec_query(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return sorted(cursor.fetchall(), key=repr)


@pytest.fixture
def tenants(world):
    org = world.organization("org-rollups")
    a, b = world.tenant(org, "tenant-ra"), world.tenant(org, "tenant-rb")
    user = world.user(org, a)
    return {"a": a, "b": b, "agent_a": world.agent(a, user), "agent_b": world.agent(b, world.user(org, b)), "world": world}


def call_rows():
    return {
        (r.hour, r.tenant_id, r.agent_id): (r.total_calls, r.avg_duration, r.avg_quality, r.total_cost, r.successful_calls)
        for r in CallAnalyticsHourly.objects.all()
    }


def test_call_analytics_hourly_figures_and_incremental_refresh(tenants):
    world, a, b, agent_a, agent_b = (tenants[k] for k in ("world", "a", "b", "agent_a", "agent_b"))
    world.call(a, at(H1, 0), agent_a, duration_seconds=60, quality_score=Decimal("0.80"), cost_usd=Decimal("0.100000"))
    world.call(a, at(H1, 59), agent_a, duration_seconds=120, quality_score=Decimal("0.90"), cost_usd=Decimal("0.200000"))
    world.call(a, at(H1, 30), agent_a, duration_seconds=30, quality_score=None, cost_usd=Decimal("0.050000"), status="failed")
    world.call(a, at(H1, 5), None, duration_seconds=10, cost_usd=Decimal("0.010000"))
    world.call(b, at(H2, 0), agent_b, duration_seconds=200, quality_score=Decimal("0.50"), cost_usd=Decimal("1.000000"), status="busy")

    first = timeseries.refresh_rollup("call_analytics_hourly")
    assert first.method == "incremental"
    assert first.buckets == [H1, H2]
    assert first.rows_written == 3
    assert call_rows() == {
        (H1, a.pk, agent_a.pk): (3, Decimal("70"), Decimal("0.85"), Decimal("0.350000"), 2),
        (H1, a.pk, None): (1, Decimal("10"), None, Decimal("0.010000"), 1),
        (H2, b.pk, agent_b.pk): (1, Decimal("200"), Decimal("0.50"), Decimal("1.000000"), 0),
    }
    # The same figures as the spec's view definition, computed from calls directly.
    assert spec_query(
        """SELECT date_trunc('hour', start_time), tenant_id, agent_id, COUNT(*), AVG(duration_seconds),
                  AVG(quality_score), SUM(cost_usd), COUNT(*) FILTER (WHERE status = 'completed')
           FROM call_analytics.calls GROUP BY 1, 2, 3"""
    ) == spec_query("SELECT * FROM call_analytics.call_analytics_hourly")

    # Nothing new: nothing recomputed.
    assert timeseries.refresh_rollup("call_analytics_hourly").buckets == []

    # New calls in a new hour: only that bucket is recomputed; old rows are untouched.
    before = xmins("call_analytics.call_analytics_hourly", "hour", [H1, H2])
    world.call(a, at(H3, 1), agent_a, duration_seconds=40, cost_usd=Decimal("0.400000"))
    world.call(a, at(H3, 2), agent_a, duration_seconds=50, cost_usd=Decimal("0.500000"))
    second = timeseries.refresh_rollup("call_analytics_hourly")
    assert (second.buckets, second.rows_deleted, second.rows_written) == ([H3], 0, 1)
    assert xmins("call_analytics.call_analytics_hourly", "hour", [H1, H2]) == before
    assert call_rows()[(H3, a.pk, agent_a.pk)] == (2, Decimal("45"), None, Decimal("0.900000"), 2)

    # A late update (status changed) and a deletion recompute exactly their buckets.
    Call.objects.filter(tenant=b).update(status="completed")
    third = timeseries.refresh_rollup("call_analytics_hourly")
    assert (third.buckets, third.rows_deleted, third.rows_written) == ([H2], 1, 1)
    assert call_rows()[(H2, b.pk, agent_b.pk)][4] == 1
    Call.objects.filter(tenant=a, agent=None).delete()
    fourth = timeseries.refresh_rollup("call_analytics_hourly")
    assert (fourth.buckets, fourth.rows_deleted, fourth.rows_written) == ([H1], 2, 1)
    assert (H1, a.pk, None) not in call_rows()

    # The run is recorded for timeseries_status.
    recorded = timeseries.state("call_analytics_hourly")
    assert recorded["last_run_status"] == "success" and recorded["last_rows"] == 1


def test_security_events_daily_figures(tenants):
    a, b = tenants["a"], tenants["b"]
    org_id = a.organization_id
    day1 = dt.datetime(2026, 3, 2, tzinfo=UTC)
    day2 = day1 + dt.timedelta(days=1)

    def event(when, tenant, event_type, severity, resolved=False):
        return SecurityEvent.objects.create(
            timestamp=when, organization_id=org_id, tenant=tenant, event_type=event_type, severity=severity,
            source="test", resolved=resolved,
        )

    event(day1 + dt.timedelta(minutes=1), a, "login_failure", "low")
    event(day1 + dt.timedelta(hours=23, minutes=59), a, "login_failure", "low", resolved=True)
    event(day1 + dt.timedelta(hours=12), a, "login_failure", "high")
    event(day1 + dt.timedelta(hours=3), None, "system_anomaly", "critical")
    late = event(day2 + dt.timedelta(minutes=1), b, "rate_limit_exceeded", "medium")  # next day (UTC)

    result = timeseries.refresh_rollup("security_events_daily")
    rows = {(r.day, r.tenant_id, r.event_type, r.severity): (r.event_count, r.resolved_count)
            for r in SecurityEventsDaily.objects.all()}
    assert rows == {
        (day1, a.pk, "login_failure", "low"): (2, 1),
        (day1, a.pk, "login_failure", "high"): (1, 0),
        (day1, None, "system_anomaly", "critical"): (1, 0),
        (day2, b.pk, "rate_limit_exceeded", "medium"): (1, 0),
    }
    if result.method == "incremental":
        assert result.buckets == [day1, day2]

    # An event resolved later updates its day's figures on the next refresh (and only that day).
    before = xmins("security.security_events_daily", "day", [day1]) if result.method == "incremental" else None
    SecurityEvent.objects.filter(pk=late.pk).update(resolved=True)
    again = timeseries.refresh_rollup("security_events_daily")
    assert SecurityEventsDaily.objects.get(day=day2, tenant_id=b.pk).resolved_count == 1
    if again.method == "incremental":
        assert again.buckets == [day2] and again.rows_written == 1
        assert xmins("security.security_events_daily", "day", [day1]) == before


def test_performance_metrics_hourly_figures(tenants):
    a, b = tenants["a"], tenants["b"]

    def metric(when, tenant, name, value, metric_type="latency"):
        DetailedMetric.objects.create(
            timestamp=when, call_sid="CA1", organization_id=tenant.organization_id, tenant_id=tenant.pk,
            metric_type=metric_type, metric_name=name, metric_value=value,
        )

    metric(at(H1, 1), a, "stt_ms", 100.0)
    metric(at(H1, 2), a, "stt_ms", 300.0)
    metric(at(H1, 3), a, "llm_ms", 50.0)
    metric(at(H1, 4), a, "cost", 9.0, metric_type="cost")  # not latency: not in the rollup
    metric(at(H2, 0), b, "stt_ms", 10.0)

    first = timeseries.refresh_rollup("performance_metrics_hourly")
    rows = {(r.hour, r.tenant_id, r.metric_name): (r.avg_value, r.min_value, r.max_value, r.sample_count)
            for r in PerformanceMetricsHourly.objects.all()}
    assert rows == {
        (H1, a.pk, "stt_ms"): (200.0, 100.0, 300.0, 2),
        (H1, a.pk, "llm_ms"): (50.0, 50.0, 50.0, 1),
        (H2, b.pk, "stt_ms"): (10.0, 10.0, 10.0, 1),
    }
    if first.method == "incremental":
        assert first.buckets == [H1, H2]
        # A non-latency metric invalidates nothing; a latency one only its hour.
        metric(at(H3, 0), a, "cost", 1.0, metric_type="cost")
        assert timeseries.refresh_rollup("performance_metrics_hourly").buckets == []
        metric(at(H3, 0), a, "stt_ms", 7.0)
        second = timeseries.refresh_rollup("performance_metrics_hourly")
        assert (second.buckets, second.rows_deleted, second.rows_written) == ([H3], 0, 1)


def test_refresh_rollups_command_prints_progress_summary_and_is_idempotent(tenants):
    tenants["world"].call(tenants["a"], at(H1, 0), tenants["agent_a"])
    out = StringIO()
    call_command("refresh_rollups", stdout=out, stderr=StringIO())
    assert "call_analytics_hourly: 1 bucket(s) recomputed" in out.getvalue()
    assert "Refreshed 3 rollup(s)" in out.getvalue()
    out = StringIO()
    call_command("refresh_rollups", "--rollup", "call_analytics_hourly", stdout=out, stderr=StringIO())
    assert "Refreshed 1 rollup(s)" in out.getvalue() and "0 bucket(s) recomputed" in out.getvalue()
    assert CallAnalyticsHourly.objects.count() == 1


def test_rollups_are_listed_by_the_admin(tenants):
    """The unmanaged models work in a ModelAdmin changelist (bucket column as Django pk)."""
    from django.contrib import admin
    from django.test import RequestFactory

    tenants["world"].call(tenants["a"], at(H1, 0), tenants["agent_a"])
    timeseries.refresh_rollup("call_analytics_hourly")
    site = admin.AdminSite(name="rollup-test")
    for model in (CallAnalyticsHourly, PerformanceMetricsHourly, SecurityEventsDaily):
        model_admin = admin.ModelAdmin(model, site)
        model_admin.list_display = [f.name for f in model._meta.fields]
        model_admin.list_display_links = None
        request = RequestFactory().get("/")
        request.user = type("U", (), {"is_active": True, "is_staff": True, "has_perm": lambda *a, **k: True})()
        changelist = model_admin.get_changelist_instance(request)
        if model is CallAnalyticsHourly:
            assert changelist.result_count == 1
