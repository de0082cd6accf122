"""The approval flows through the admin pages: legal steps work and are audited,
illegal ones are refused with the reason and change nothing, staff without the
permission get 403 and change nothing."""

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from security_app.models import AuditLog
from telephony.models import PhoneNumber
from tests import factories as f


def flow_url(obj, name):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_flow", args=[quote(obj.pk), name])


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])


def post(client, obj, name, data=None):
    return client.post(flow_url(obj, name), data or {})


# --- porting ----------------------------------------------------------------------------------------------------

def test_porting_happy_path_creates_the_number_and_audits_each_step(admin_client, ops_superuser):
    porting = f.PortingRequestFactory(phone_number="+442071838750")
    assert admin_client.get(flow_url(porting, "submit")).status_code == 200
    for step, data in [
        ("submit", {"estimated_completion_0": "2030-01-15", "estimated_completion_1": "10:00:00",
                    "provider_response": '{"ticket": "BT-1"}'}),
        ("start", {}),
        ("approve", {"reason": "LOA checked"}),
        ("complete", {}),
    ]:
        response = post(admin_client, porting, step, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert response.url == change_url(porting)
    porting.refresh_from_db()
    assert porting.status == "completed"
    assert porting.processed_by == ops_superuser
    assert porting.provider_response["ticket"] == "BT-1"
    assert porting.estimated_completion.year == 2030 and porting.actual_completion is not None
    number = PhoneNumber.objects.get(number="+442071838750")
    assert number.acquisition_method == "ported" and number.tenant == porting.tenant
    actions = list(AuditLog.objects.filter(resource_id=porting.pk).order_by("timestamp").values_list("action", flat=True))
    assert actions[:4] == ["porting_request.submit", "porting_request.start", "porting_request.approve",
                           "porting_request.complete"]
    audit = AuditLog.objects.get(resource_id=porting.pk, action="porting_request.approve")
    assert audit.user == ops_superuser
    assert audit.details["before"]["status"] == "in_progress" and audit.details["after"]["status"] == "approved"
    assert audit.details["reason"] == "LOA checked"


def test_porting_illegal_step_is_refused_with_the_reason(admin_client):
    porting = f.PortingRequestFactory()
    response = post(admin_client, porting, "approve")
    assert response.status_code == 200
    assert "Cannot approve a porting request that is pending" in response.content.decode()
    porting.refresh_from_db()
    assert porting.status == "pending"
    assert not AuditLog.objects.filter(resource_id=porting.pk).exists()


def test_porting_reject_needs_a_reason(admin_client):
    porting = f.PortingRequestFactory(status="submitted")
    response = post(admin_client, porting, "reject", {"reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    porting.refresh_from_db()
    assert porting.status == "submitted"
    assert post(admin_client, porting, "reject", {"reason": "Account number mismatch"}).status_code == 302
    porting.refresh_from_db()
    assert porting.status == "rejected"
    assert porting.provider_response["rejection_reason"] == "Account number mismatch"


def test_invalid_json_is_refused_with_the_reason(admin_client):
    porting = f.PortingRequestFactory()
    response = post(admin_client, porting, "submit", {"provider_response": '{"ticket": '})
    assert response.status_code == 200
    assert "Invalid JSON" in response.content.decode()
    porting.refresh_from_db()
    assert porting.status == "pending"


def test_bulk_action_runs_the_service_and_reports_refusals(admin_client):
    ok, done = f.PortingRequestFactory(), f.PortingRequestFactory(status="completed")
    url = reverse("admin:telephony_portingrequest_changelist")
    response = admin_client.post(url, {"action": "flow_submit", "_selected_action": [ok.pk, done.pk]}, follow=True)
    text = response.content.decode()
    assert "done for 1" in text and "Cannot submit a porting request that is completed" in text
    ok.refresh_from_db()
    done.refresh_from_db()
    assert (ok.status, done.status) == ("submitted", "completed")


@pytest.mark.parametrize("step", ["submit", "approve", "reject", "complete", "cancel"])
def test_staff_without_the_permission_cannot_run_porting_steps(operator_client, step):
    porting = f.PortingRequestFactory(status="approved" if step == "complete" else "pending")
    before = porting.status
    assert operator_client.get(flow_url(porting, step)).status_code == 403
    assert post(operator_client, porting, step, {"reason": "x"}).status_code == 403
    porting.refresh_from_db()
    assert porting.status == before
    # nor as a bulk action: the action is not offered
    response = operator_client.get(reverse("admin:telephony_portingrequest_changelist"))
    assert response.status_code == 200 and "flow_submit" not in response.content.decode()


def test_buttons_follow_the_state(admin_client):
    porting = f.PortingRequestFactory()
    text = admin_client.get(change_url(porting)).content.decode()
    assert flow_url(porting, "submit") in text and flow_url(porting, "approve") not in text


# --- compliance -------------------------------------------------------------------------------------------------

def test_compliance_verify_reject_expire(admin_client, operator_client):
    org = f.OrganizationFactory(compliance_status="pending")
    assert post(operator_client, org, "verify").status_code == 403
    response = post(admin_client, org, "reject", {"reason": ""})
    assert response.status_code == 200
    org.refresh_from_db()
    assert org.compliance_status == "pending"
    assert post(admin_client, org, "verify", {"reason": "Documents OK", "documents": '{"tax": "ok"}'}).status_code == 302
    org.refresh_from_db()
    assert org.compliance_status == "verified" and org.compliance_verified_at and org.compliance_documents == {"tax": "ok"}
    assert post(admin_client, org, "expire").status_code == 302
    org.refresh_from_db()
    assert org.compliance_status == "expired"
    assert post(admin_client, org, "reject", {"reason": "Registration lapsed"}).status_code == 302
    org.refresh_from_db()
    assert org.compliance_status == "rejected"
    assert AuditLog.objects.filter(resource_id=org.pk).count() == 3


# --- versions ---------------------------------------------------------------------------------------------------

def test_agent_version_publish_rollback_archive(admin_client, ops_superuser):
    first = f.AgentVersionFactory(status="draft")
    second = f.AgentVersionFactory(agent=first.agent, status="draft", system_prompt="Second prompt.")
    assert post(admin_client, first, "publish").status_code == 302
    assert post(admin_client, second, "publish").status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("archived", "published")
    assert second.published_by == ops_superuser and second.published_at
    second.agent.refresh_from_db()
    assert second.agent.system_prompt == "Second prompt."
    response = post(admin_client, second, "archive")
    assert response.status_code == 200 and "Cannot archive" in response.content.decode()
    assert post(admin_client, first, "rollback", {"reason": "regression"}).status_code == 302
    first.refresh_from_db()
    assert first.status == "published" and first.is_published
    assert first.agent.versions.filter(is_published=True).count() == 1


def test_workflow_and_tool_versions_publish(admin_client, operator_client):
    workflow_version = f.WorkflowVersionFactory(status="draft")
    assert post(operator_client, workflow_version, "publish").status_code == 403
    assert post(admin_client, workflow_version, "publish").status_code == 302
    workflow_version.refresh_from_db()
    assert workflow_version.status == "published"
    tool_version = f.ToolVersionFactory(status="draft")
    assert post(admin_client, tool_version, "publish").status_code == 302
    assert post(admin_client, tool_version, "deprecate").status_code == 200  # the published one is refused
    tool_version.refresh_from_db()
    assert tool_version.status == "published"


# --- reservations -----------------------------------------------------------------------------------------------

def test_reservation_offer_reserve_complete(admin_client):
    reservation = f.PhoneNumberReservationFactory(tenant=f.TenantFactory(max_phone_numbers=5))
    assert post(admin_client, reservation, "reserve", {"number": "+16175550100"}).status_code == 200  # not offered yet
    assert post(admin_client, reservation, "offer", {"count": 3}).status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == "available" and len(reservation.available_numbers) == 3
    number = reservation.available_numbers[0]
    assert post(admin_client, reservation, "reserve", {"number": number, "hold_minutes": 30}).status_code == 302
    response = post(admin_client, reservation, "complete", {"provider": "aybiza"})
    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == "completed" and PhoneNumber.objects.filter(number=number).exists()


# --- security review --------------------------------------------------------------------------------------------

def test_security_event_resolve_needs_notes(admin_client, operator_client, ops_superuser):
    event = f.SecurityEventFactory()
    assert post(operator_client, event, "resolve", {"notes": "x"}).status_code == 403
    assert post(admin_client, event, "resolve", {"notes": ""}).status_code == 200
    event.refresh_from_db()
    assert not event.resolved
    assert post(admin_client, event, "resolve", {"notes": "IP blocked at the edge."}).status_code == 302
    event.refresh_from_db()
    assert event.resolved and event.resolved_by == ops_superuser and event.resolution_notes == "IP blocked at the edge."
    assert post(admin_client, event, "resolve", {"notes": "again"}).status_code == 200  # refused: already resolved


def test_detection_reviews(admin_client, ops_superuser):
    attempt = f.PromptInjectionAttemptFactory()
    assert post(admin_client, attempt, "false-positive", {"notes": "a quote from a novel"}).status_code == 302
    attempt.refresh_from_db()
    assert attempt.false_positive is True and attempt.reviewed_by == ops_superuser and attempt.reviewed_at
    assert post(admin_client, attempt, "confirm").status_code == 200  # a second review needs force
    assert post(admin_client, attempt, "confirm", {"force": "on"}).status_code == 302
    attempt.refresh_from_db()
    assert attempt.false_positive is False
    event = f.VoiceSecurityEventFactory()
    url = reverse("admin:security_app_voicesecurityevent_changelist") + "?period=all"
    admin_client.post(url, {"action": "flow_confirm", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.false_positive is False and event.reviewed_by == ops_superuser


def test_api_key_revoke_needs_a_reason(admin_client, operator_client):
    key = f.ApiKeyFactory()
    assert post(operator_client, key, "revoke", {"reason": "leaked"}).status_code == 403
    assert post(admin_client, key, "revoke", {"reason": ""}).status_code == 200
    key.refresh_from_db()
    assert key.status == "active"
    assert post(admin_client, key, "revoke", {"reason": "leaked in a public repo"}).status_code == 302
    key.refresh_from_db()
    assert key.status == "revoked"


# --- tenant limits on the add forms ---------------------------------------------------------------------------

def test_agent_add_goes_through_the_limit(admin_client):
    tenant = f.TenantFactory(max_agents=1)
    f.AgentFactory(tenant=tenant)
    response = admin_client.post(reverse("admin:agents_agent_add"), {
        "tenant": tenant.pk, "name": "One too many", "system_prompt": "Hi.", "status": "draft",
        "model_config": "{}", "voice_config": "{}", "language_config": "{}", "automation_config": "{}",
        "temperature": "0.3", "latency_optimization_level": "balanced", "phone_integration_type": "managed",
    })
    assert response.status_code == 200
    assert "max_agents" in response.content.decode()
    assert tenant.agents.count() == 1


def test_phone_number_add_uses_the_service(admin_client, ops_superuser):
    tenant = f.TenantFactory(max_phone_numbers=2)
    data = {"tenant": tenant.pk, "number": "+1 415 555 0123", "status": "active", "acquisition_method": "managed",
            "provider": "aybiza", "capabilities": '{"voice": true}', "monthly_cost": "1.00", "setup_cost": "0",
            "currency": "USD"}
    response = admin_client.post(reverse("admin:telephony_phonenumber_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    number = PhoneNumber.objects.get(tenant=tenant)
    assert number.number == "+14155550123" and number.created_by == ops_superuser
    tenant.status = "suspended"
    tenant.save()
    response = admin_client.post(reverse("admin:telephony_phonenumber_add"), {**data, "number": "+14155550124"})
    assert response.status_code == 200 and "suspended" in response.content.decode()


def test_sip_trunk_add_is_refused_for_a_suspended_organization(admin_client):
    tenant = f.TenantFactory(organization=f.OrganizationFactory(status="suspended"))
    response = admin_client.post(reverse("admin:telephony_siptrunk_add"), {
        "tenant": tenant.pk, "name": "Trunk", "provider_name": "Bandwidth", "termination_uri": "sip:a.example",
        "status": "active", "origination_uris": "[]", "codec_preferences": '["PCMU"]', "max_concurrent_calls": "5",
        "authentication_method": "ip_acl", "ip_access_control_list": "[]",
    })
    assert response.status_code == 200 and "suspended" in response.content.decode()
    assert not tenant.sip_trunks.exists()
