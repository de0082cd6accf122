"""Tenants' alerting through the API: rules and endpoints, write-only secrets, scope, audit, 400s."""

import pytest

from security_app.alerts.evaluate import alerts_evaluate
from security_app.models import Alert, AlertRule, WebhookEndpoint
from security_app.models import AuditLog
from tests import factories as f

SECRET = "tenant-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def _public_hooks_only(settings):
    settings.AYBIZA_ALERTS = {**settings.AYBIZA_ALERTS, "WEBHOOK_ALLOW_PRIVATE": False}


def create_endpoint(client, **extra):
    return client.post("/api/v1/webhook-endpoints/", {"name": "pager", "url": "https://hooks.example.com/x",
                                                      "secret": SECRET, **extra}, format="json")


def test_tenant_creates_an_endpoint_and_a_rule_secret_never_returned(api):
    response = create_endpoint(api.a)
    assert response.status_code == 201, response.content
    body = response.json()
    assert "secret" not in body and SECRET not in response.content.decode()
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.secret == SECRET and endpoint.tenant_id == api.tenant_a.pk
    for url in ("/api/v1/webhook-endpoints/", f"/api/v1/webhook-endpoints/{endpoint.pk}/"):
        assert SECRET not in api.a.get(url).content.decode()

    rule = api.a.post("/api/v1/alert-rules/", {
        "name": "critical", "trigger": "security_event", "min_severity": "critical",
        "email_recipients": ["oncall@example.com"], "webhook_endpoints": [str(endpoint.pk)]}, format="json")
    assert rule.status_code == 201, rule.content
    assert rule.json()["tenant"] == str(api.tenant_a.pk) and rule.json()["webhook_endpoints"] == [str(endpoint.pk)]

    actions = set(AuditLog.objects.filter(tenant=api.tenant_a).values_list("action", flat=True))
    assert {"webhook_endpoint.create", "alert_rule.create"} <= actions
    log = AuditLog.objects.get(action="webhook_endpoint.create")
    assert SECRET not in str(log.details) and log.details["secret_changed"] is True
    assert log.api_key_id == api.key_a.pk


def test_rotating_the_secret_is_audited_without_the_value(api):
    endpoint = WebhookEndpoint.objects.get(pk=create_endpoint(api.a).json()["id"])
    new = "rotated-secret-0123456789abcdef"
    response = api.a.patch(f"/api/v1/webhook-endpoints/{endpoint.pk}/", {"secret": new}, format="json")
    assert response.status_code == 200 and new not in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret == new
    log = AuditLog.objects.get(action="webhook_endpoint.update", resource_id=endpoint.pk)
    assert log.details["secret_changed"] is True and new not in str(log.details) and SECRET not in str(log.details)


@pytest.mark.parametrize("body, field", [
    ({"secret": "short"}, "secret"),
    ({"secret": None}, "secret"),
    ({"url": "ftp://hooks.example.com/x"}, "url"),
    ({"url": "http://127.0.0.1:8000/x"}, "url"),
    ({"url": "http://10.1.2.3/x"}, "url"),
    ({"url": "https://user:pw@hooks.example.com/x"}, "url"),
])
def test_bad_endpoint_input_is_a_400_naming_the_field(api, body, field):
    payload = {"name": "pager", "url": "https://hooks.example.com/x", "secret": SECRET, **body}
    if payload["secret"] is None:
        del payload["secret"]
    response = api.a.post("/api/v1/webhook-endpoints/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"trigger": "job_failed"}, "trigger"),  # platform only
    ({"trigger": "compliance_expiring"}, "trigger"),  # organization rules only
    ({"trigger": "nonsense"}, "trigger"),
    ({"params": {"threshold": -1}, "trigger": "rate_limit_abuse"}, "params"),
    ({"email_recipients": ["nope"]}, "email_recipients"),
    ({"window_minutes": 0}, "window_minutes"),
])
def test_bad_rule_input_is_a_400_naming_the_field(api, body, field):
    payload = {"name": "r", "trigger": "security_event", **body}
    response = api.a.post("/api/v1/alert-rules/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"], response.json()
    assert not AlertRule.objects.exists()


def test_a_tenant_cannot_attach_another_tenants_endpoint(api):
    foreign = WebhookEndpoint.objects.get(pk=create_endpoint(api.b).json()["id"])
    sibling = WebhookEndpoint.objects.get(pk=create_endpoint(api.client("a2")).json()["id"])
    for endpoint in (foreign, sibling):
        response = api.a.post("/api/v1/alert-rules/", {"name": "r", "trigger": "security_event",
                                                        "webhook_endpoints": [str(endpoint.pk)]}, format="json")
        assert response.status_code == 400 and "webhook_endpoints" in response.json()["fields"]
    assert not AlertRule.objects.exists()


def test_organization_rule_sees_its_tenants_and_refuses_a_tenant_endpoint(api):
    tenant_hook = WebhookEndpoint.objects.get(pk=create_endpoint(api.a).json()["id"])
    response = api.client("org1").post("/api/v1/alert-rules/", {
        "name": "org-wide", "trigger": "compliance_expiring", "params": {"days": 30},
        "webhook_endpoints": [str(tenant_hook.pk)]}, format="json")
    assert response.status_code == 400 and "webhook_endpoints" in response.json()["fields"]  # would leak A2's alerts to A
    org_hook = create_endpoint(api.client("org1")).json()["id"]
    response = api.client("org1").post("/api/v1/alert-rules/", {
        "name": "org-wide", "trigger": "security_event", "webhook_endpoints": [org_hook]}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["tenant"] is None

    f.SecurityEventFactory(tenant=api.tenant_a2, event_type="data_breach", severity="critical")
    f.SecurityEventFactory(tenant=api.tenant_b, event_type="data_breach", severity="critical")
    alerts_evaluate()
    alerts = Alert.objects.filter(rule_id=response.json()["id"])
    assert [a.subject for a in alerts] == [f"tenant:{api.tenant_a2.pk}:security_event:data_breach"]  # never org2's
    listed = api.client("org1").get("/api/v1/alerts/").json()["results"]
    assert [row["id"] for row in listed] == [str(alerts[0].pk)]
    assert api.a.get("/api/v1/alerts/").json()["results"] == []  # an organization rule is not tenant A's


def test_platform_rules_never_appear_in_the_api(api):
    rule = f.AlertRuleFactory(tenant=None, organization=None, trigger="job_failed")
    for who in ("a", "org1", "b"):
        body = api.client(who).get("/api/v1/alert-rules/").json()
        assert str(rule.pk) not in str(body)
        assert api.client(who).get(f"/api/v1/alert-rules/{rule.pk}/").status_code == 404


def test_deleting_a_rule_is_audited(api):
    rule = api.a.post("/api/v1/alert-rules/", {"name": "r", "trigger": "security_event"}, format="json").json()
    assert api.a.delete(f"/api/v1/alert-rules/{rule['id']}/").status_code == 204
    assert not AlertRule.objects.filter(pk=rule["id"]).exists()
    assert AuditLog.objects.filter(action="alert_rule.delete", resource_id=rule["id"], tenant=api.tenant_a).exists()


def test_re_enabling_a_disabled_endpoint_starts_its_failure_count_again(api):
    endpoint = WebhookEndpoint.objects.get(pk=create_endpoint(api.a).json()["id"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, consecutive_failures=5,
                                                          disabled_reason="5 consecutive failed deliveries")
    response = api.a.patch(f"/api/v1/webhook-endpoints/{endpoint.pk}/", {"is_active": True}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["is_active"] is True and body["consecutive_failures"] == 0 and body["disabled_reason"] is None
    response = api.a.patch(f"/api/v1/webhook-endpoints/{endpoint.pk}/", {"consecutive_failures": 0,
                                                                          "is_active": False}, format="json")
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == "Disabled by its owner."
    log = AuditLog.objects.filter(action="webhook_endpoint.update", resource_id=endpoint.pk).latest("timestamp")
    assert log.details["before"]["is_active"] is True and log.details["after"]["is_active"] is False
