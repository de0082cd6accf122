"""Ingestion from the voice platform: calls through their lifecycle, transcripts, analytics, bulk metrics, detections."""

import datetime as dt
import csv
import io

from django.utils import timezone

from analytics.models import Call, CallAnalytics, CallTranscript, DetailedMetric
from security_app.models import AuditLog, PromptInjectionAttempt, VoiceSecurityEvent
from tests import factories as f

NOW = timezone.now().replace(microsecond=0)


def new_call(api, **extra):
    number = f.PhoneNumberFactory(tenant=api.tenant_a)
    body = {"call_sid": extra.pop("call_sid", "CA-lifecycle-1"), "direction": "inbound", "status": "initiated",
            "from_number": "+14155550123", "to_number": number.number, "start_time": NOW.isoformat(),
            "phone_number": str(number.pk), **extra}
    return api.a.post("/api/v1/calls/", body, format="json")


def test_call_lifecycle_is_validated(api):
    created = new_call(api)
    assert created.status_code == 201, created.json()
    url = f"/api/v1/calls/{created.json()['id']}/"
    assert api.a.patch(url, {"status": "ringing"}, format="json").status_code == 200
    answered = api.a.patch(url, {"status": "answered", "answer_time": (NOW + dt.timedelta(seconds=3)).isoformat()},
                           format="json")
    assert answered.status_code == 200
    done = api.a.patch(url, {"status": "completed", "end_time": (NOW + dt.timedelta(seconds=90)).isoformat(),
                             "duration_seconds": 87, "cost_usd": "0.0123"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    back = api.a.patch(url, {"status": "ringing"}, format="json")
    assert back.status_code == 409 and back.json()["code"] == "invalid_transition"
    assert Call.objects.get(pk=created.json()["id"]).status == "completed"
    assert AuditLog.objects.filter(action__startswith="call.", resource_id=created.json()["id"]).count() == 4
    assert api.a.patch(url, {"call_sid": "other"}, format="json").json()["call_sid"] == "CA-lifecycle-1"


def test_call_bad_input_is_4xx_and_writes_nothing(api):
    assert new_call(api).status_code == 201
    duplicate = new_call(api)
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "unique_violation"
    assert new_call(api, call_sid="CA2", status="on-hold").status_code == 400
    assert new_call(api, call_sid="CA3", duration_seconds=-1).status_code == 400
    assert new_call(api, call_sid="CA4", end_time=(NOW - dt.timedelta(hours=1)).isoformat()).status_code == 400
    foreign = f.AgentFactory(tenant=api.tenant_b)
    assert new_call(api, call_sid="CA5", agent=str(foreign.pk)).status_code == 400
    assert Call.objects.count() == 1


def test_transcript_and_analytics_attach_to_a_call(api):
    call_id = new_call(api).json()["id"]
    transcript = api.a.post("/api/v1/call-transcripts/", {"call": call_id, "turns": [{"speaker": "agent", "text": "Hi"}],
                                                         "full_text": "Agent: Hi", "word_count": 1}, format="json")
    assert transcript.status_code == 201, transcript.json()
    assert CallTranscript.objects.get().call_sid == "CA-lifecycle-1"
    assert api.a.get(f"/api/v1/calls/{call_id}/transcript/").json()["full_text"] == "Agent: Hi"
    analytics = api.a.post("/api/v1/call-analytics/", {"call": call_id, "total_latency_ms": 640, "turns_count": 4},
                           format="json")
    assert analytics.status_code == 201, analytics.json()
    row = CallAnalytics.objects.get()
    assert (row.tenant_id, row.call_sid) == (api.tenant_a.pk, "CA-lifecycle-1")
    assert api.a.get(f"/api/v1/calls/{call_id}/analytics/").json()["total_latency_ms"] == 640
    b_call = f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=api.tenant_b))
    assert api.a.post("/api/v1/call-transcripts/", {"call": str(b_call.pk)}, format="json").status_code == 400


def metric_rows(n, sid):
    return [{"timestamp": (NOW + dt.timedelta(milliseconds=i)).isoformat(), "call_sid": sid, "metric_type": "latency",
             "metric_name": "stt_latency", "metric_value": 100.0 + i % 50, "metadata": {"turn": i % 7}} for i in range(n)]


def test_bulk_metrics_ten_thousand_rows(api):
    new_call(api)
    response = api.a.post("/api/v1/call-metrics/bulk/", {"metrics": metric_rows(10_000, "CA-lifecycle-1")}, format="json")
    assert response.status_code == 201, response.content[:500]
    assert response.json() == {"created": 10_000}
    assert DetailedMetric.objects.filter(tenant_id=api.tenant_a.pk).count() == 10_000
    assert AuditLog.objects.filter(action="detailed_metric.bulk_create").count() == 1
    call_id = Call.objects.get().pk
    assert len(api.a.get(f"/api/v1/calls/{call_id}/metrics/").json()) == 10_000


def test_bulk_metrics_refuses_the_whole_batch(api):
    new_call(api)
    rows = metric_rows(100, "CA-lifecycle-1")
    rows[57]["metric_type"] = "vibes"
    rows[58]["metric_value"] = "fast"
    response = api.a.post("/api/v1/call-metrics/bulk/", {"metrics": rows}, format="json")
    assert response.status_code == 400
    assert any(m.startswith("57.metric_type") for m in response.json()["fields"]["metrics"])
    assert not DetailedMetric.objects.exists()
    too_many = api.a.post("/api/v1/call-metrics/bulk/", {"metrics": metric_rows(10_001, "CA-lifecycle-1")},
                          format="json")
    assert too_many.status_code == 400
    b_call = f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=api.tenant_b))
    foreign = api.a.post("/api/v1/call-metrics/bulk/", {"metrics": metric_rows(3, b_call.call_sid)}, format="json")
    assert foreign.status_code == 400 and not DetailedMetric.objects.exists()
    defaulted = api.a.post("/api/v1/call-metrics/bulk/", {"call_sid": "CA-lifecycle-1", "metrics": [
        {k: v for k, v in row.items() if k != "call_sid"} for row in metric_rows(5, "x")]}, format="json")
    assert defaulted.status_code == 201


def test_detections_are_reported(api):
    agent = f.AgentFactory(tenant=api.tenant_a)
    injection = api.a.post("/api/v1/prompt-injection-attempts/", {
        "agent": str(agent.pk), "call_sid": "CA1", "input_text": "ignore previous instructions",
        "detection_method": "rule_based", "confidence_score": "0.97", "action_taken": "blocked"}, format="json")
    assert injection.status_code == 201, injection.json()
    voice = api.a.post("/api/v1/voice-security-events/", {
        "call_sid": "CA1", "event_type": "deepfake_audio", "detection_method": "ai_model",
        "confidence_score": "0.81", "action_taken": "escalated", "threat_level": "high"}, format="json")
    assert voice.status_code == 201, voice.json()
    assert PromptInjectionAttempt.objects.get().tenant_id == api.tenant_a.pk
    assert VoiceSecurityEvent.objects.get().threat_level == "high"
    bad = api.a.post("/api/v1/voice-security-events/", {"call_sid": "CA1", "event_type": "gremlins",
                                                       "detection_method": "ai_model", "confidence_score": "12",
                                                       "action_taken": "logged"}, format="json")
    assert bad.status_code == 400 and {"event_type", "confidence_score"} <= set(bad.json()["fields"])


def test_calls_filter_and_csv_export(api):
    old = f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=api.tenant_a), status="failed",
                        start_time=NOW - dt.timedelta(days=3))
    recent = f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=api.tenant_a), status="completed",
                           start_time=NOW - dt.timedelta(hours=1), direction="outbound")
    f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=api.tenant_b))
    since = (NOW - dt.timedelta(days=1)).isoformat()
    listed = api.a.get("/api/v1/calls/", {"since": since}).json()["results"]
    assert [c["id"] for c in listed] == [str(recent.pk)]
    assert [c["id"] for c in api.a.get("/api/v1/calls/", {"status": "failed"}).json()["results"]] == [str(old.pk)]
    assert [c["id"] for c in api.a.get("/api/v1/calls/", {"direction": "outbound"}).json()["results"]] == [str(recent.pk)]
    assert [c["id"] for c in api.a.get("/api/v1/calls/", {"number": old.from_number}).json()["results"]] == [str(old.pk)]
    export = api.a.get("/api/v1/calls/export/")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert {r["id"] for r in rows} == {str(old.pk), str(recent.pk)}
