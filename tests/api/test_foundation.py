"""Authentication, scopes, error format, RLS context and locking on one resource (agents)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from agents.models import Agent
from security_app import api_keys
from security_app.models import AuditLog
from tests import factories as f

from .conftest import client_for, make_key

AGENTS = "/api/v1/agents/"


def test_key_format_checksum_and_hash():
    key = api_keys.generate_key()
    assert key.startswith("ayb_live_") and len(key) == api_keys.KEY_LENGTH
    assert api_keys.is_well_formed(key)
    typo = key[:12] + ("A" if key[12] != "A" else "B") + key[13:]
    assert not api_keys.is_well_formed(typo)
    assert len(api_keys.hash_key(key)) == 64


def test_only_the_hash_is_stored(api):
    assert api.key_a.key_hash == api_keys.hash_key(api.key_a.raw)
    assert api.key_a.raw not in json.dumps(list(AuditLog.objects.values("details")), default=str)


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer " + "ayb_live_" + "a" * 32 + "_000000"])
def test_missing_or_bad_key_is_401(api, client, header):
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(AGENTS, **kwargs)
    assert response.status_code == 401
    assert set(response.json()) >= {"code", "message", "request_id"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_well_formed_key_is_401(api):
    response = client_for(api_keys.generate_key()).get(AGENTS)
    assert response.status_code == 401 and response.json()["code"] == "invalid_api_key"


@pytest.mark.parametrize("change, code", [
    ({"status": "revoked"}, "api_key_revoked"),
    ({"status": "inactive"}, "api_key_inactive"),
    ({"expires_at": timezone.now() - dt.timedelta(seconds=1)}, "api_key_expired"),
])
def test_revoked_inactive_expired_keys_are_refused(api, change, code):
    type(api.key_a).objects.filter(pk=api.key_a.pk).update(**change)
    response = api.a.get(AGENTS)
    assert response.status_code == 401 and response.json()["code"] == code


def test_missing_scope_is_403_naming_it(api):
    key = make_key(api.tenant_a, permissions={"agents": ["read"]})
    client = client_for(key)
    assert client.get(AGENTS).status_code == 200
    response = client.post(AGENTS, {"name": "x", "system_prompt": "y"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope" and response.json()["scope"] == "agents:write"
    assert "agents:write" in response.json()["message"]
    assert client.get("/api/v1/calls/").json()["scope"] == "calls:read"


def test_create_update_with_version_and_audit(api):
    response = api.a.post(AGENTS, {"name": "Front desk", "system_prompt": "Be kind."}, format="json")
    assert response.status_code == 201, response.json()
    agent = response.json()
    assert agent["tenant"] == str(api.tenant_a.pk) and agent["version"] == 1
    assert AuditLog.objects.filter(action="agent.create", resource_id=agent["id"], api_key=api.key_a).exists()

    url = f"{AGENTS}{agent['id']}/"
    assert api.a.patch(url, {"name": "x"}, format="json").status_code == 428
    ok = api.a.patch(url, {"name": "Reception", "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api.a.patch(url, {"name": "Late", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert stale.json()["current_version"] == 2
    via_header = api.a.patch(url, {"name": "Header"}, format="json", HTTP_IF_MATCH='"2"')
    assert via_header.status_code == 200 and via_header.json()["version"] == 3
    assert Agent.objects.get(pk=agent["id"]).name == "Header"
    assert AuditLog.objects.filter(action="agent.update", resource_id=agent["id"]).count() == 2


def test_error_format_for_bad_input(api):
    bad_json = api.a.generic("POST", AGENTS, "{not json", content_type="application/json")
    assert bad_json.status_code == 400 and bad_json.json()["code"] == "malformed_request"
    wrong_type = api.a.post(AGENTS, {"name": ["x"], "system_prompt": "y", "temperature": "hot"}, format="json")
    assert wrong_type.status_code == 400
    assert set(wrong_type.json()["fields"]) == {"name", "temperature"}
    enum = api.a.post(AGENTS, {"name": "x", "system_prompt": "y", "phone_integration_type": "carrier-pigeon"}, format="json")
    assert enum.status_code == 400 and "phone_integration_type" in enum.json()["fields"]
    assert api.a.get(f"{AGENTS}not-a-uuid/").status_code == 404
    assert api.a.get("/api/v1/no-such-thing/").json()["code"] == "not_found"
    assert api.a.get(f"{AGENTS}?status=nope").status_code == 400


def test_oversized_body_is_413(api, settings):
    settings.AYBIZA_API = {**settings.AYBIZA_API, "MAX_BODY_BYTES": 1000}
    response = api.a.post(AGENTS, {"name": "x", "system_prompt": "y" * 2000}, format="json")
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert not Agent.objects.exists()


def test_tenant_limit_is_409_and_writes_nothing(api):
    api.tenant_a.max_agents = 1
    api.tenant_a.save()
    assert api.a.post(AGENTS, {"name": "one", "system_prompt": "y"}, format="json").status_code == 201
    response = api.a.post(AGENTS, {"name": "two", "system_prompt": "y"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "limit_exceeded"
    assert Agent.objects.count() == 1


def test_requests_run_inside_the_tenant_rls_context(api, monkeypatch):
    from aybiza.api import viewsets
    from aybiza.tenancy import current_context

    seen = []
    original = viewsets.ReadOnlyViewSet.list if hasattr(viewsets.ReadOnlyViewSet, "list") else None
    from agents.api.views import AgentViewSet

    def spy(self, request, *args, **kwargs):
        seen.append(current_context())
        return super(AgentViewSet, self).list(request, *args, **kwargs)

    monkeypatch.setattr(AgentViewSet, "list", spy)
    api.a.get(AGENTS)
    api.client("org1").get(AGENTS)
    assert seen[0].role == "application_role" and seen[0].tenant_id == api.tenant_a.pk
    assert seen[1].role == "admin_role" and seen[1].organization_id == api.org1.pk
    assert original is not None


def test_suspended_tenant_is_refused(api):
    api.tenant_a.status = "suspended"
    api.tenant_a.save()
    response = api.a.get(AGENTS)
    assert response.status_code == 403 and response.json()["code"] == "tenant_inactive"


def test_organization_key_sees_its_organization_and_must_choose_a_tenant(api):
    a = f.AgentFactory(tenant=api.tenant_a)
    a2 = f.AgentFactory(tenant=api.tenant_a2)
    b = f.AgentFactory(tenant=api.tenant_b)
    ids = {row["id"] for row in api.client("org1").get(AGENTS).json()["results"]}
    assert ids == {str(a.pk), str(a2.pk)}
    assert str(b.pk) not in {row["id"] for row in api.client("org1").get(AGENTS).json()["results"]}
    org = api.client("org1")
    assert org.post(AGENTS, {"name": "x", "system_prompt": "y"}, format="json").status_code == 400
    foreign = org.post(AGENTS, {"name": "x", "system_prompt": "y", "tenant": str(api.tenant_b.pk)}, format="json")
    assert foreign.status_code == 400 and "tenant" in foreign.json()["fields"]
    ok = org.post(AGENTS, {"name": "x", "system_prompt": "y", "tenant": str(api.tenant_a2.pk)}, format="json")
    assert ok.status_code == 201 and ok.json()["tenant"] == str(api.tenant_a2.pk)
