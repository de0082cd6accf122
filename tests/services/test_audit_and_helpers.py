"""The audit trail, the state-machine helper and require_permission."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from accounts.models import Role
from aybiza.errors import TransitionRefused
from aybiza.permissions import require_permission
from aybiza.state import StateMachine
from security_app.audit import audit_record, snapshot
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


def test_require_permission(ops):
    with pytest.raises(PermissionDenied):
        require_permission(ops, "telephony.approve_portingrequest")
    with pytest.raises(PermissionDenied):
        require_permission(None, "telephony.approve_portingrequest")
    role = ops.role
    role.permissions = {"backoffice": {"staff": True, "superuser": False,
                                       "permissions": ["telephony.approve_portingrequest"]}}
    Role.objects.filter(pk=role.pk).update(permissions=role.permissions)
    ops = type(ops).objects.get(pk=ops.pk)
    require_permission(ops, "telephony.approve_portingrequest")
    with pytest.raises(PermissionDenied):
        require_permission(ops, "security_app.revoke_apikey")


def test_snapshot_never_copies_an_encrypted_column(tenant):
    trunk = f.SipTrunkFactory(tenant=tenant, credentials={"password": "never-in-the-audit"})
    data = snapshot(trunk, ["name", "credentials"])
    assert data == {"name": trunk.name, "credentials": "(encrypted)"}
    assert snapshot(f.SipTrunkFactory(tenant=tenant, credentials=None), ["credentials"]) == {"credentials": None}
