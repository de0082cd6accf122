"""PII redaction through the API: on ingestion (tenant feature `pii_redaction`) and POST .../redact/."""

import pytest

from analytics.models import CallTranscript
from security_app.models import AuditLog
from tests import factories as f

from .conftest import client_for, make_key

TURNS = [{"speaker": "caller", "text": "My card is 4111 1111 1111 1111 and my number is +1 415-555-0132."}]
FULL = "Caller: My card is 4111 1111 1111 1111 and my number is +1 415-555-0132."
REDACTED_TURN = "My card is [CREDIT_CARD] and my number is [PHONE_NUMBER]."


def _call(tenant):
    return f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=tenant))


def _post(api, call, **extra):
    return api.a.post("/api/v1/call-transcripts/", {"call": str(call.pk), "turns": TURNS, "full_text": FULL, **extra},
                      format="json")


def test_ingestion_redacts_when_the_tenant_has_the_feature(api):
    api.tenant_a.features = {"pii_redaction": True}
    api.tenant_a.save()
    response = _post(api, _call(api.tenant_a))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["redacted"] is True and body["turns"][0]["text"] == REDACTED_TURN
    assert body["pii_detected"]["counts"] == {"PHONE_NUMBER": 2, "CREDIT_CARD": 2}
    row = CallTranscript.objects.get(pk=body["id"])
    assert "4111" not in row.full_text and "4111" not in str(row.turns)
    assert row.redacted_by == api.key_a.created_by
    assert list(AuditLog.objects.filter(resource_id=row.pk).order_by("timestamp").values_list("action", flat=True)) == [
        "calltranscript.create", "calltranscript.redact"]
    assert AuditLog.objects.get(action="calltranscript.redact").details["trigger"] == "ingestion"


@pytest.mark.parametrize("features", [{}, {"pii_redaction": False}, {"pii_redaction": "yes"}])
def test_ingestion_keeps_the_text_without_the_feature(api, features):
    api.tenant_a.features = features
    api.tenant_a.save()
    response = _post(api, _call(api.tenant_a))
    assert response.status_code == 201
    assert response.json()["redacted"] is False and response.json()["full_text"] == FULL
    assert not AuditLog.objects.filter(action="calltranscript.redact").exists()


def test_clients_cannot_write_the_redaction_columns(api):
    response = _post(api, _call(api.tenant_a), pii_detected={"counts": {"CREDIT_CARD": 0}}, redacted=True)
    assert response.status_code == 201
    row = CallTranscript.objects.get(pk=response.json()["id"])
    assert (row.redacted, row.pii_detected) == (False, {})


def test_redact_endpoint_redacts_once(api):
    transcript = f.CallTranscriptFactory(call=_call(api.tenant_a), turns=TURNS, full_text=FULL)
    url = f"/api/v1/call-transcripts/{transcript.pk}/redact/"
    first = api.a.post(url)
    assert first.status_code == 200, first.json()
    assert first.json()["turns"][0]["text"] == REDACTED_TURN and first.json()["redacted"] is True
    second = api.a.post(url)
    assert second.status_code == 200 and second.json() == first.json()
    assert AuditLog.objects.filter(action="calltranscript.redact").count() == 1
    # An organization key of the same organization may redact too; a sibling tenant may not see it.
    assert api.client("org1").post(url).status_code == 200
    assert api.client("a2").post(url).status_code == 404


def test_redact_needs_the_write_scope(api):
    transcript = f.CallTranscriptFactory(call=_call(api.tenant_a), turns=TURNS, full_text=FULL)
    reader = client_for(make_key(api.tenant_a, permissions={"calls": ["read"]}))
    response = reader.post(f"/api/v1/call-transcripts/{transcript.pk}/redact/")
    assert response.status_code == 403 and response.json()["scope"] == "calls:write"
    row = CallTranscript.objects.get(pk=transcript.pk)
    assert (row.redacted, row.full_text) == (False, FULL)
