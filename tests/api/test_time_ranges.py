"""Client-set times stay within 1970..2100 (UTC); a row already outside never breaks a reader (issue 9, #5)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from analytics.models import Call, DetailedMetric
from aybiza.core import timeseries
from aybiza.core.db.timebounds import MAX, MIN
from security_app.models import ApiKey, PromptInjectionAttempt
from tests import factories as f

from ..admin.conftest import logged_in

HOSTILE = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "2100-01-01T00:00:00Z", "1969-12-31T23:59:59Z"]
MESSAGE = "Must be between 1970-01-01 and 2100-01-01 (UTC)."


@pytest.mark.parametrize("stamp", HOSTILE)
def test_bulk_metrics_refuse_out_of_range_timestamps(api, stamp):
    call = f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=api.tenant_a))
    good = {"timestamp": timezone.now().isoformat(), "metric_type": "latency", "metric_name": "stt_ms", "metric_value": 1}
    response = api.a.post("/api/v1/call-metrics/bulk/", {"call_sid": call.call_sid, "metrics": [
        good, {**good, "timestamp": stamp}]}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"metrics": [f"1.timestamp: {MESSAGE}"]}
    assert not DetailedMetric.objects.exists()


@pytest.mark.parametrize("field", ["start_time", "answer_time", "end_time"])
def test_calls_refuse_out_of_range_times(api, field):
    number = f.PhoneNumberFactory(tenant=api.tenant_a)
    body = {"call_sid": "CA1", "direction": "inbound", "status": "initiated", "from_number": "+14155550123",
            "to_number": number.number, "start_time": timezone.now().isoformat(), field: HOSTILE[0]}
    response = api.a.post("/api/v1/calls/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {field: [MESSAGE]}
    assert not Call.objects.exists()


def test_detections_and_key_expiry_refuse_out_of_range_times(api):
    response = api.a.post("/api/v1/prompt-injection-attempts/", {
        "timestamp": HOSTILE[1], "call_sid": "CA1", "input_text": "x", "detection_method": "pattern_matching",
        "threat_level": "low", "action_taken": "logged", "confidence_score": "0.5"}, format="json")
    assert response.status_code == 400 and response.json()["fields"] == {"timestamp": [MESSAGE]}
    assert not PromptInjectionAttempt.objects.exists()
    keys = ApiKey.objects.count()
    response = api.a.post("/api/v1/api-keys/", {"name": "k", "permissions": {"agents": ["read"]},
                                                "expires_at": HOSTILE[0]}, format="json")
    assert response.status_code == 400 and response.json()["fields"] == {"expires_at": [MESSAGE]}
    assert ApiKey.objects.count() == keys


def _legacy_bad_metric(tenant, stamp):
    """A row written before validation existed (or by hand in psql)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO call_analytics.detailed_metrics (timestamp, call_sid, organization_id, tenant_id, "
            "metric_type, metric_name, metric_value, metric_unit, metadata) "
            "VALUES (%s::timestamptz, 'CA-bad', %s, %s, 'latency', 'stt_ms', 1, 'ms', '{}')",
            [stamp, tenant.organization_id, tenant.pk],
        )


def test_a_row_out_of_range_never_breaks_readers_or_the_rollup(api):
    ops_superuser = f.UserFactory(ops_superuser=True)
    _legacy_bad_metric(api.tenant_a, HOSTILE[0])
    _legacy_bad_metric(api.tenant_a, HOSTILE[1])
    f.DetailedMetricFactory(call=f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=api.tenant_b)))
    listed = api.a.get("/api/v1/call-metrics/")
    assert listed.status_code == 200
    assert sorted(r["timestamp"][:4] for r in listed.json()["results"]) == ["0001", "9999"]
    assert {m.timestamp for m in DetailedMetric.objects.filter(call_sid="CA-bad")} == {MIN, MAX}
    assert api.b.get("/api/v1/call-metrics/").status_code == 200
    admin = logged_in(ops_superuser)
    page = admin.get("/admin/analytics/detailedmetric/?timestamp__gte=0001-01-01")
    assert page.status_code == 200
    if not timeseries.is_continuous_aggregate(timeseries.rollups()["performance_metrics_hourly"]):
        result = timeseries.refresh_rollup("performance_metrics_hourly")  # refreshes the good rows, no error
        assert result.rows_written >= 1
