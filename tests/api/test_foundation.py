"""Authentication, scopes, error format, RLS context and locking on one resource (agents)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from agents.models import Agent
from security_app.services import api_keys
from security_app.models import AuditLog
from tests import factories as f

from tests.data_protection.test_api import run_queued_report_job

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
    assert api.a.get(AGENTS).status_code == 200  # the key's row is now cached
    type(api.key_a).objects.filter(pk=api.key_a.pk).update(**change)  # not through a service: no invalidation
    response = api.a.get(AGENTS)
    assert response.status_code == 401 and response.json()["code"] == code


def test_a_cached_key_is_read_with_one_statement_and_never_served_stale(api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert api.a.get(AGENTS).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert api.a.get(AGENTS).status_code == 200
    key_reads = [q["sql"] for q in queries.captured_queries if "security.api_keys" in q["sql"]
                 or '"security"."api_keys"' in q["sql"]]
    assert len(key_reads) == 1 and key_reads[0].startswith("SELECT k.id, md5(")  # the fingerprint, no row load
    # Narrowed by hand (no service, no cache invalidation): the very next request sees it.
    type(api.key_a).objects.filter(pk=api.key_a.pk).update(permissions={"calls": ["read"]})
    response = api.a.get(AGENTS)
    assert response.status_code == 403 and response.json()["scope"] == "agents:read"
    # Usage counters alone do not change the fingerprint: the cached row is still used.
    type(api.key_a).objects.filter(pk=api.key_a.pk).update(usage_count=12345, last_used_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        assert api_keys.lookup(api.key_a.raw).permissions == {"calls": ["read"]}
    assert len(queries.captured_queries) == 1


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
    from agents.api.views import AgentViewSet
    from aybiza.core.tenancy import current_context

    seen = []

    def spy(self, request, *args, **kwargs):
        seen.append(current_context())
        return super(AgentViewSet, self).list(request, *args, **kwargs)

    monkeypatch.setattr(AgentViewSet, "list", spy)
    api.a.get(AGENTS)
    api.client("org1").get(AGENTS)
    assert seen[0].role == "application_role" and seen[0].tenant_id == api.tenant_a.pk
    assert seen[1].role == "admin_role" and seen[1].organization_id == api.org1.pk


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


def test_api_key_lifecycle_create_once_list_revoke(api):
    created = api.a.post("/api/v1/api-keys/", {"name": "ci", "permissions": {"agents": ["read"]},
                                               "ip_whitelist": ["10.0.0.0/8"]}, format="json")
    assert created.status_code == 201, created.json()
    raw = created.json()["key"]
    assert api_keys.is_well_formed(raw) and created.json()["tenant"] == str(api.tenant_a.pk)
    listed = api.a.get("/api/v1/api-keys/").json()["results"]
    assert all("key" not in row or row["key"] is None for row in listed)
    assert raw not in json.dumps(api.a.get(f"/api/v1/api-keys/{created.json()['id']}/").json())
    new_client = client_for(raw)
    assert new_client.get(AGENTS, REMOTE_ADDR="10.2.3.4").status_code == 200
    assert new_client.get(AGENTS, REMOTE_ADDR="11.2.3.4").status_code == 403
    revoked = api.a.post(f"/api/v1/api-keys/{created.json()['id']}/revoke/", {"reason": "rotated"}, format="json")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert new_client.get(AGENTS, REMOTE_ADDR="10.2.3.4").json()["code"] == "api_key_revoked"
    assert api.a.post(f"/api/v1/api-keys/{created.json()['id']}/revoke/", {}, format="json").status_code == 400


def test_a_key_cannot_grant_more_than_it_has(api):
    narrow = client_for(make_key(api.tenant_a, permissions={"api-keys": ["write"], "agents": ["read"]}))
    escalate = narrow.post("/api/v1/api-keys/", {"name": "x", "permissions": {"agents": ["write"]}}, format="json")
    assert escalate.status_code == 400 and "permissions" in escalate.json()["fields"]
    wildcard = narrow.post("/api/v1/api-keys/", {"name": "x", "permissions": {"*": ["read"]}}, format="json")
    assert wildcard.status_code == 400
    unknown = api.a.post("/api/v1/api-keys/", {"name": "x", "permissions": {"everything": ["read"]}}, format="json")
    assert unknown.status_code == 400
    faster = api.a.post("/api/v1/api-keys/", {"name": "x", "permissions": {"agents": ["read"]},
                                              "rate_limit": {"requests_per_minute": 10**6}}, format="json")
    assert faster.status_code == 400 and "rate_limit" in faster.json()["fields"]
    assert api.a.post("/api/v1/api-keys/", {"name": "x", "permissions": {}, "ip_whitelist": ["nope"]},
                      format="json").status_code == 400


def test_tool_schemas_must_be_json_schema(api):
    ok = api.a.post("/api/v1/tools/", {"name": "lookup", "tool_type": "http_api",
                                       "input_schema": {"type": "object"}, "output_schema": True}, format="json")
    assert ok.status_code == 201, ok.json()
    bad = api.a.post("/api/v1/tools/", {"name": "bad", "tool_type": "http_api",
                                        "input_schema": {"type": "banana"}, "output_schema": {}}, format="json")
    assert bad.status_code == 400 and "input_schema" in bad.json()["fields"]


def test_agent_version_publish_and_rollback_call_the_services(api):
    agent = api.a.post(AGENTS, {"name": "a", "system_prompt": "v1"}, format="json").json()
    v1 = api.a.post("/api/v1/agent-versions/", {"agent": agent["id"]}, format="json").json()
    assert api.a.post(f"/api/v1/agent-versions/{v1['id']}/publish/", {}, format="json").json()["status"] == "published"
    api.a.patch(f"{AGENTS}{agent['id']}/", {"system_prompt": "v2", "version": Agent.objects.get().version}, format="json")
    v2 = api.a.post("/api/v1/agent-versions/", {"agent": agent["id"]}, format="json").json()
    api.a.post(f"/api/v1/agent-versions/{v2['id']}/publish/", {}, format="json")
    assert Agent.objects.get().system_prompt == "v2"
    back = api.a.post(f"/api/v1/agent-versions/{v1['id']}/rollback/", {"reason": "regression"}, format="json")
    assert back.status_code == 200 and Agent.objects.get().system_prompt == "v1"
    again = api.a.post(f"/api/v1/agent-versions/{v1['id']}/publish/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert AuditLog.objects.filter(action="agent_version.rollback", api_key=api.key_a).exists()


def test_reservation_flow_and_porting_cancel(api):
    created = api.a.post("/api/v1/phone-number-reservations/", {"requested_country": "US", "requested_area_code": "617",
                                                                "acquisition_method": "managed"}, format="json")
    assert created.status_code == 201, created.json()
    url = f"/api/v1/phone-number-reservations/{created.json()['id']}/"
    offered = api.a.post(url + "search/", {"count": 3}, format="json")
    assert offered.status_code == 200, offered.json()
    number = offered.json()["available_numbers"][0]
    assert api.a.post(url + "reserve/", {"number": number}, format="json").status_code == 200
    done = api.a.post(url + "complete/", {}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["phone_number"]["number"] == number
    porting = f.PortingRequestFactory(tenant=api.tenant_a)
    cancelled = api.a.post(f"/api/v1/porting-requests/{porting.pk}/cancel/", {"reason": "changed mind"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_compliance_report_download_matches_checksum(api, django_capture_on_commit_callbacks, settings, tmp_path):
    import hashlib

    settings.MEDIA_ROOT = str(tmp_path)
    f.SecurityEventFactory(tenant=api.tenant_a, severity="critical", resolved=False)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # generation is a job queued after the request commits
        created = api.a.post("/api/v1/compliance-reports/", {
            "report_type": "soc2", "reporting_period_start": (now - dt.timedelta(days=30)).isoformat(),
            "reporting_period_end": (now + dt.timedelta(days=1)).isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "generating"
    run_queued_report_job(created.json()["id"])
    report = api.a.get(f"/api/v1/compliance-reports/{created.json()['id']}/").json()
    assert report["status"] == "completed" and report["findings"]
    download = api.a.get(f"/api/v1/compliance-reports/{report['id']}/download/")
    assert hashlib.sha256(download.content).hexdigest() == report["checksum"] == download["X-Checksum-SHA256"]
