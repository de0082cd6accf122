"""The ops-console action "Redact PII in selected transcripts": only with analytics.redact_calltranscript."""

import pytest
from django.urls import reverse

from accounts.models import Organization, Role
from analytics.models import CallTranscript
from security_app.models import AuditLog
from tests import factories as f

from .conftest import logged_in

TEXT = "Caller: my email is jane.doe@example.com and my card 4111 1111 1111 1111."
URL = reverse("admin:analytics_calltranscript_changelist") + "?period=all"


def staff(*permissions):
    role = Role.objects.create(organization=Organization.objects.platform(), name="PII " + "/".join(permissions),
                               scope="organization",
                               permissions={"backoffice": {"staff": True, "superuser": False,
                                                           "permissions": list(permissions)}})
    return f.UserFactory(tenant=None, organization=role.organization, role=role)


@pytest.fixture
def transcript(db):
    return f.CallTranscriptFactory(full_text=TEXT, turns=[{"speaker": "caller", "text": TEXT}])


def test_viewer_without_the_permission_is_not_offered_the_action_and_cannot_post_it(transcript):
    client = logged_in(staff("analytics.view_calltranscript"))
    page = client.get(URL)
    assert page.status_code == 200 and "redact_selected" not in page.content.decode()
    client.post(URL, {"action": "redact_selected", "_selected_action": [transcript.pk]})
    row = CallTranscript.objects.get(pk=transcript.pk)
    assert (row.redacted, row.full_text) == (False, TEXT)
    assert not AuditLog.objects.filter(action="calltranscript.redact").exists()


def test_staff_with_the_permission_redacts(transcript):
    user = staff("analytics.view_calltranscript", "analytics.redact_calltranscript")
    client = logged_in(user)
    assert "redact_selected" in client.get(URL).content.decode()
    already = f.CallTranscriptFactory()
    client.post(URL, {"action": "redact_selected", "_selected_action": [already.pk]})
    response = client.post(URL, {"action": "redact_selected", "_selected_action": [transcript.pk, already.pk]},
                           follow=True)
    assert "Redacted 1 transcript(s), 4 finding(s) replaced; 1 already redacted." in response.content.decode()
    row = CallTranscript.objects.get(pk=transcript.pk)
    assert row.full_text == "Caller: my email is [EMAIL_ADDRESS] and my card [CREDIT_CARD]."
    assert row.turns[0]["text"] == row.full_text and row.redacted_by == user
    audit = AuditLog.objects.get(action="calltranscript.redact", resource_id=transcript.pk)
    assert audit.user == user and audit.details["trigger"] == "admin"
    assert "jane.doe" not in str(audit.details) and "4111" not in str(audit.details)


def test_too_many_selected_is_refused_and_nothing_changes(transcript, monkeypatch):
    from analytics.admin import CallTranscriptAdmin

    monkeypatch.setattr(CallTranscriptAdmin, "REDACT_LIMIT", 1)
    client = logged_in(staff("analytics.view_calltranscript", "analytics.redact_calltranscript"))
    other = f.CallTranscriptFactory(full_text=TEXT)
    response = client.post(URL, {"action": "redact_selected", "_selected_action": [transcript.pk, other.pk]},
                           follow=True)
    assert "Select at most 1 transcripts" in response.content.decode()
    assert not CallTranscript.objects.filter(redacted=True).exists()
