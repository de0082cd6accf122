"""Ops console: platform alert rules and endpoints, managed by ops; secrets never shown; changes audited."""

from security_app.models import AlertRule, WebhookEndpoint
from security_app.models import AuditLog
from tests import factories as f

SECRET = "platform-secret-0123456789abcdef"


def test_ops_create_a_platform_rule_with_a_platform_endpoint(admin_client, ops_superuser, settings):
    response = admin_client.post("/admin/security_app/webhookendpoint/add/", {
        "name": "ops pager", "url": "https://pager.example.com/hook", "secret": SECRET, "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.organization_id is None and endpoint.secret == SECRET

    response = admin_client.post("/admin/security_app/alertrule/add/", {
        "name": "failing jobs", "trigger": "job_failed", "min_severity": "high", "params": "{}",
        "window_minutes": "60", "email_recipients": '["ops@aybiza.example"]', "webhook_endpoints": [endpoint.pk],
        "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = AlertRule.objects.get()
    assert rule.organization_id is None and list(rule.webhook_endpoints.all()) == [endpoint]
    logs = AuditLog.objects.filter(user=ops_superuser).values_list("action", flat=True)
    assert {"webhook_endpoint.create", "alert_rule.create"} <= set(logs)
    assert SECRET not in str(list(AuditLog.objects.values_list("details", flat=True)))


def test_the_secret_is_never_shown_back(admin_client):
    endpoint = f.WebhookEndpointFactory(secret=SECRET)
    page = admin_client.get(f"/admin/security_app/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert SECRET not in page and "Currently set (never shown)" in page
    # Saving without typing a secret keeps the stored one.
    response = admin_client.post(f"/admin/security_app/webhookendpoint/{endpoint.pk}/change/", {
        "name": "renamed", "url": endpoint.url, "secret": "", "is_active": "on",
        "organization": endpoint.organization_id, "tenant": endpoint.tenant_id})
    assert response.status_code == 302, response.content.decode()[:3000]
    endpoint.refresh_from_db()
    assert endpoint.name == "renamed" and endpoint.secret == SECRET


def test_a_rule_on_a_trigger_outside_its_level_is_a_form_error(admin_client):
    tenant = f.TenantFactory()
    response = admin_client.post("/admin/security_app/alertrule/add/", {
        "name": "x", "trigger": "job_failed", "min_severity": "high", "params": "{}", "window_minutes": "60",
        "email_recipients": "[]", "tenant": tenant.pk, "organization": tenant.organization_id, "is_active": "on"})
    assert response.status_code == 200
    assert "job_failed is for platform rules" in response.content.decode()
    assert not AlertRule.objects.exists()


def test_view_only_staff_cannot_change_rules(operator_client):
    rule = f.AlertRuleFactory()
    assert operator_client.get("/admin/security_app/alertrule/add/").status_code == 403
    assert operator_client.get(f"/admin/security_app/alertrule/{rule.pk}/change/").status_code == 403
