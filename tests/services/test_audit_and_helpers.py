"""The audit trail, the state-machine helper and role permissions."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from accounts.models import Role
from accounts.services import staff
from security_app.models import AuditLog
from aybiza.core.errors import TransitionRefused
from aybiza.core.state import StateMachine
from aybiza.core.audit import audit_record, snapshot
from tests import factories as f

pytestmark = pytest.mark.django_db

CUSTOM_PERMISSIONS = [
    "accounts.verify_organization_compliance", "agents.publish_agentversion", "automation.publish_workflowversion",
    "automation.publish_toolversion", "telephony.approve_portingrequest", "telephony.manage_phonenumberreservation",
    "security_app.review_securityevent", "security_app.review_promptinjectionattempt",
    "security_app.review_voicesecurityevent", "security_app.revoke_apikey",
]


def test_snapshot_is_json_safe(tenant):
    agent = f.AgentFactory(tenant=tenant)
    data = snapshot(agent, ["id", "tenant", "temperature", "created_at", "voice_config", "status"])
    assert data["id"] == str(agent.pk) and data["tenant"] == str(tenant.pk)
    assert data["temperature"] == str(Decimal(agent.temperature))
    assert datetime.datetime.fromisoformat(data["created_at"]) == agent.created_at
    assert data["voice_config"] == agent.voice_config and data["status"] == agent.status


def test_audit_record_with_request(tenant, ops):
    agent = f.AgentFactory(tenant=tenant)
    request_id = uuid.uuid4()
    request = RequestFactory().post("/x", REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="pytest/1",
                                    HTTP_X_REQUEST_ID=str(uuid.uuid4()))  # the client's: never the audit's id
    request.request_id = request_id  # ours (aybiza/api/middleware.py)
    log = audit_record(action="agent.touch", instance=agent, actor=ops, before={"a": 1}, after={"a": 2},
                       reason="why", request=request, details={"extra": Decimal("1.5")})
    assert (log.organization_id, log.tenant_id, log.user_id) == (agent.organization_id, tenant.pk, ops.pk)
    assert (log.resource_type, log.resource_id, log.resource_name) == ("agents.agent", agent.pk, str(agent))
    assert (log.ip_address, log.user_agent, log.request_id) == ("198.51.100.4", "pytest/1", request_id)
    assert log.details == {"before": {"a": 1}, "after": {"a": 2}, "reason": "why", "extra": "1.5"}


def test_audit_record_ignores_forwarded_for_from_an_untrusted_client(tenant, ops, settings):
    agent = f.AgentFactory(tenant=tenant)
    request = RequestFactory().post("/x", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="203.0.113.9")
    log = audit_record(action="agent.touch", instance=agent, actor=ops, request=request)
    assert log.ip_address == "198.51.100.4"


def test_audit_record_believes_forwarded_for_from_a_trusted_proxy(tenant, ops, settings):
    settings.AYBIZA_API = {**settings.AYBIZA_API, "TRUSTED_PROXIES": ["10.0.0.0/8"]}
    agent = f.AgentFactory(tenant=tenant)
    request = RequestFactory().post("/x", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.9")
    log = audit_record(action="agent.touch", instance=agent, actor=ops, request=request)
    assert log.ip_address == "203.0.113.9"


def test_audit_of_a_version_finds_the_parent_tenant(tenant, ops):
    version = f.AgentVersionFactory(agent__tenant=tenant)
    log = audit_record(action="x", instance=version)
    assert (log.organization_id, log.tenant_id, log.user_id) == (tenant.organization_id, tenant.pk, None)


def test_state_machine_messages():
    machine = StateMachine("porting request", "status", {"approve": (["in_progress"], "approved")})

    class Row:
        status = "pending"

    assert machine.allowed_verbs(Row()) == []
    with pytest.raises(TransitionRefused) as info:
        machine.ensure(Row(), "approve")
    assert info.value.message == "Cannot approve a porting request that is pending; allowed from: in_progress."
    Row.status = "in_progress"
    assert machine.ensure(Row(), "approve") == "approved"


def test_custom_permissions_exist():
    for name in CUSTOM_PERMISSIONS:
        app_label, codename = name.split(".")
        assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), name


def test_role_grants_back_office_permissions(ops):
    """What every caller of a service checks: the permission comes from the user's role."""
    assert not ops.has_perm("telephony.approve_portingrequest")
    role = ops.role
    role.permissions = {"backoffice": {"staff": True, "superuser": False,
                                       "permissions": ["telephony.approve_portingrequest"]}}
    Role.objects.filter(pk=role.pk).update(permissions=role.permissions)
    ops = type(ops).objects.get(pk=ops.pk)
    assert ops.has_perm("telephony.approve_portingrequest")
    assert not ops.has_perm("security_app.revoke_apikey")


def test_snapshot_masks_secrets_and_summarises_long_text(tenant):
    trunk = f.SipTrunkFactory(tenant=tenant, credentials={"username": "u", "password": "hunter2"})
    data = snapshot(trunk, ["credentials", "name"])
    assert data == {"credentials": "(encrypted)", "name": trunk.name}
    assert snapshot(f.SipTrunkFactory(tenant=tenant, credentials=None), ["credentials"]) == {"credentials": None}
    transcript = f.CallTranscriptFactory(call=f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=tenant)),
                                         full_text="my card is 4111 1111 1111 1111 " * 20)
    summary = snapshot(transcript, ["full_text"])["full_text"]
    assert summary == {"summary": f"text of {len(transcript.full_text)} characters"}
    assert "4111" not in str(snapshot(transcript, ["full_text", "turns"]))


def test_audit_rows_of_rows_that_hang_off_a_parent_carry_its_tenant(tenant, ops):
    """A transcript reaches its tenant through its call (CallTranscript.owner): its audit row says so."""
    call = f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=tenant))
    transcript = f.CallTranscriptFactory(call=call)
    row = audit_record(action="calltranscript.create", instance=transcript, actor=ops)
    assert (row.organization_id, row.tenant_id) == (tenant.organization_id, tenant.pk)


@pytest.mark.parametrize("action", ["unlock", "mfa_reset", "password_set"])
def test_staff_security_actions_are_audited(tenant, ops, action):
    user = f.UserFactory(tenant=tenant, login_attempts=4, mfa_enabled=True, mfa_secret="JBSWY3DPEHPK3PXP")
    service = getattr(staff, f"user_{action}")
    extra = {"password": "a new long passphrase 42", "must_change_password": True} if action == "password_set" else {}
    service(user=user, actor=ops, **extra)
    rows = list(AuditLog.objects.filter(action=f"user.{action}", resource_id=user.pk))
    assert [(r.user_id, r.tenant_id) for r in rows] == [(ops.pk, tenant.pk)]
    assert "JBSWY3DPEHPK3PXP" not in str(rows[0].details) and "passphrase" not in str(rows[0].details)
