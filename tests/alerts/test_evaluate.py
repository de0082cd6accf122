"""Alert evaluation: every trigger, scoping, dedup per window, resolution, digests."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from security_app.alerts.evaluate import alert_rule_evaluate, alerts_evaluate
from security_app.models import Alert, AlertNotification, AlertRule
from security_app.alerts.services import alert_rule_save
from tests import factories as f

pytestmark = pytest.mark.django_db


def rule_for(tenant=None, organization=None, **fields):
    fields.setdefault("email_recipients", ["oncall@example.com"])
    fields.setdefault("name", "rule")
    rule = AlertRule(tenant=tenant, organization=organization or (tenant.organization if tenant else None), **fields)
    return alert_rule_save(rule=rule, endpoints=[])


def notices(rule, kind=None):
    rows = AlertNotification.objects.filter(rule=rule)
    return list(rows.filter(kind=kind) if kind else rows)


def test_security_events_at_or_above_severity_fire_once_per_subject_and_only_in_scope():
    a, b = f.TenantFactory(), f.TenantFactory()
    rule_a = rule_for(a, trigger="security_event", min_severity="high")
    rule_b = rule_for(b, trigger="security_event", min_severity="high")
    for _ in range(3):
        f.SecurityEventFactory(tenant=a, event_type="unauthorized_access", severity="critical")
    f.SecurityEventFactory(tenant=a, event_type="login_failure", severity="medium")  # below the threshold

    alerts_evaluate()
    alerts_evaluate()  # again: nothing new

    fired = Alert.objects.get(rule=rule_a)
    assert fired.status == "firing" and fired.severity == "critical"
    assert fired.details["count"] == 3 and fired.tenant_id == a.pk
    assert len(notices(rule_a, "fired")) == 1
    assert not Alert.objects.filter(rule=rule_b).exists()  # B's rule never sees A's events
    assert notices(rule_b) == []


def test_resolution_notice_when_the_condition_clears():
    tenant = f.TenantFactory()
    rule = rule_for(tenant, trigger="security_event", min_severity="high", window_minutes=10)
    f.SecurityEventFactory(tenant=tenant, event_type="data_breach", severity="high")
    now = timezone.now()
    alert_rule_evaluate(rule=rule, now=now)
    alert_rule_evaluate(rule=rule, now=now + dt.timedelta(minutes=11))  # the event is out of the window
    alert = Alert.objects.get(rule=rule)
    assert alert.status == "resolved" and alert.resolved_at == now + dt.timedelta(minutes=11)
    [resolved] = notices(rule, "resolved")
    assert resolved.payload["alerts"][0]["status"] == "resolved"
    assert "RESOLVED" in resolved.subject_line


def test_a_flapping_subject_is_notified_once_per_window():
    tenant = f.TenantFactory()
    trunk = f.SipTrunkFactory(tenant=tenant, health_status="unhealthy")
    rule = rule_for(tenant, trigger="trunk_unhealthy", window_minutes=30)
    t0 = timezone.now()
    alert_rule_evaluate(rule=rule, now=t0)
    trunk.health_status = "healthy"
    trunk.save()
    alert_rule_evaluate(rule=rule, now=t0 + dt.timedelta(minutes=1))
    trunk.health_status = "unhealthy"
    trunk.save()
    alert_rule_evaluate(rule=rule, now=t0 + dt.timedelta(minutes=2))  # fires again inside the window: held back
    assert [n.kind for n in notices(rule)] == ["fired", "resolved"]
    assert Alert.objects.filter(rule=rule).count() == 2
    held = Alert.objects.get(rule=rule, status="firing")
    assert held.notified_at is None
    alert_rule_evaluate(rule=rule, now=t0 + dt.timedelta(minutes=31))  # window over, still down: notified now
    assert sorted(n.kind for n in notices(rule)) == ["fired", "fired", "resolved"]
    held.refresh_from_db()
    assert held.notified_at == t0 + dt.timedelta(minutes=31)


def test_trunk_and_number_health_fire_and_recover():
    tenant = f.TenantFactory()
    trunk = f.SipTrunkFactory(tenant=tenant, health_status="unhealthy")
    number = f.PhoneNumberFactory(tenant=tenant, health_status="unhealthy", status="active")
    f.SipTrunkFactory(tenant=tenant, health_status="degraded")  # not unhealthy: no alert
    trunks = rule_for(tenant, trigger="trunk_unhealthy")
    numbers = rule_for(tenant, trigger="number_unhealthy")
    alerts_evaluate()
    assert Alert.objects.get(rule=trunks).subject == f"sip_trunk:{trunk.pk}"
    assert Alert.objects.get(rule=numbers).subject == f"phone_number:{number.pk}"
    trunk.health_status = "healthy"
    trunk.save()
    alerts_evaluate()
    assert Alert.objects.get(rule=trunks).status == "resolved"
    assert Alert.objects.get(rule=numbers).status == "firing"


def test_digest_when_many_fire_at_once(settings):
    settings.AYBIZA_ALERTS = {**settings.AYBIZA_ALERTS, "DIGEST_THRESHOLD": 3}
    tenant = f.TenantFactory()
    endpoint = f.WebhookEndpointFactory(tenant=tenant)
    rule = rule_for(tenant, trigger="trunk_unhealthy")
    rule.webhook_endpoints.set([endpoint])
    for _ in range(5):
        f.SipTrunkFactory(tenant=tenant, health_status="unhealthy")
    result = alerts_evaluate()
    assert result.fired == 5
    sent = notices(rule)
    assert sorted((n.kind, n.channel) for n in sent) == [("digest", "email"), ("digest", "webhook")]
    assert all(len(n.payload["alerts"]) == 5 and n.alerts.count() == 5 for n in sent)


def test_porting_overdue_compliance_and_rate_limit_abuse():
    tenant = f.TenantFactory()
    organization = tenant.organization
    late = f.PortingRequestFactory(tenant=tenant, status="submitted",
                                   estimated_completion=timezone.now() - dt.timedelta(days=1))
    f.PortingRequestFactory(tenant=tenant, status="completed", estimated_completion=timezone.now() - dt.timedelta(days=1))
    f.PortingRequestFactory(tenant=tenant, status="submitted", estimated_completion=timezone.now() + dt.timedelta(days=1))
    porting = rule_for(tenant, trigger="porting_overdue")

    organization.compliance_status = "verified"
    organization.compliance_verified_at = timezone.now() - dt.timedelta(days=350)  # expires in ~15 days
    organization.save()
    compliance = rule_for(organization=organization, trigger="compliance_expiring", params={"days": 30})
    not_yet = rule_for(organization=organization, trigger="compliance_expiring", params={"days": 7})

    key = f.ApiKeyFactory(tenant=tenant)
    for _ in range(4):
        f.SecurityEventFactory(tenant=tenant, event_type="rate_limit_exceeded", severity="low", api_key=key)
    abuse = rule_for(tenant, trigger="rate_limit_abuse", params={"threshold": 4})
    calm = rule_for(tenant, trigger="rate_limit_abuse", params={"threshold": 5})

    alerts_evaluate()
    assert Alert.objects.get(rule=porting).subject == f"porting_request:{late.pk}"
    assert Alert.objects.get(rule=compliance).subject == f"organization:{organization.pk}:compliance"
    assert not Alert.objects.filter(rule=not_yet).exists()
    assert Alert.objects.get(rule=abuse).subject.endswith(f"rate_limit:api_key:{key.pk}")
    assert not Alert.objects.filter(rule=calm).exists()


def test_critical_prompt_injection_and_voice_security():
    tenant = f.TenantFactory()
    f.PromptInjectionAttemptFactory(tenant=tenant, threat_level="critical")
    f.PromptInjectionAttemptFactory(tenant=tenant, threat_level="high")
    f.PromptInjectionAttemptFactory(tenant=tenant, threat_level="critical", false_positive=True)
    f.VoiceSecurityEventFactory(tenant=tenant, threat_level="critical", event_type="deepfake_audio")
    injection = rule_for(tenant, trigger="prompt_injection", min_severity="critical")
    voice = rule_for(tenant, trigger="voice_security", min_severity="critical")
    alerts_evaluate()
    assert Alert.objects.get(rule=injection).details["count"] == 1
    assert Alert.objects.get(rule=voice).subject.endswith("voice_security:deepfake_audio")


def test_failing_jobs_fire_for_platform_rules_and_clear_on_success():
    from procrastinate.contrib.django import app

    rule = rule_for(trigger="job_failed")
    assert rule.organization_id is None
    job_id = app.tasks["telephony.expire_reservations"].defer()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [job_id])
        cursor.execute("SELECT procrastinate_finish_job_v1(%s, 'failed', false)", [job_id])
    alerts_evaluate()
    alert = Alert.objects.get(rule=rule)
    assert alert.subject == "job:telephony.expire_reservations" and alert.organization_id is None
    ok = app.tasks["telephony.expire_reservations"].defer()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [ok])
        cursor.execute("SELECT procrastinate_finish_job_v1(%s, 'succeeded', false)", [ok])
    alerts_evaluate()
    alert.refresh_from_db()
    assert alert.status == "resolved"


@pytest.mark.parametrize("trigger, owner, field", [
    ("job_failed", "tenant", "trigger"), ("compliance_expiring", "tenant", "trigger"), ("no_such", "tenant", "trigger"),
])
def test_rules_refuse_triggers_outside_their_level(trigger, owner, field):
    tenant = f.TenantFactory()
    with pytest.raises(ValidationError) as refused:
        rule_for(tenant, trigger=trigger)
    assert field in refused.value.message_dict
    assert not AlertRule.objects.exists()


def test_rule_validation_names_the_field():
    tenant = f.TenantFactory()
    other = f.WebhookEndpointFactory()  # another tenant's endpoint
    cases = [
        ({"trigger": "rate_limit_abuse", "params": {"threshold": 0}}, "params"),
        ({"trigger": "rate_limit_abuse", "params": {"bogus": 1}}, "params"),
        ({"trigger": "security_event", "email_recipients": ["not-an-address"]}, "email_recipients"),
        ({"trigger": "security_event", "window_minutes": 0}, "window_minutes"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as refused:
            rule_for(tenant, **fields)
        assert field in refused.value.message_dict, fields
    with pytest.raises(ValidationError) as refused:
        alert_rule_save(rule=AlertRule(tenant=tenant, organization=tenant.organization, name="x",
                                       trigger="security_event"), endpoints=[other])
    assert "webhook_endpoints" in refused.value.message_dict
    assert not AlertRule.objects.exists()


def test_only_one_firing_alert_per_rule_and_subject_in_the_database():
    alert = f.AlertFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        f.AlertFactory(rule=alert.rule, subject=alert.subject)


def test_rule_changes_are_audited():
    from security_app.models import AuditLog

    tenant = f.TenantFactory()
    user = f.UserFactory(tenant=tenant)
    rule = alert_rule_save(rule=AlertRule(tenant=tenant, organization=tenant.organization, name="r",
                                          trigger="security_event"), endpoints=[], actor=user)
    rule.min_severity = "critical"
    alert_rule_save(rule=rule, actor=user)
    logs = list(AuditLog.objects.filter(resource_id=rule.pk).order_by("timestamp"))
    assert [log.action for log in logs] == ["alert_rule.create", "alert_rule.update"]
    assert logs[1].details["before"]["min_severity"] == "high"
    assert logs[1].details["after"]["min_severity"] == "critical"
    assert logs[1].user_id == user.pk and logs[1].tenant_id == tenant.pk


def test_a_broken_rule_does_not_starve_the_others():
    from security_app.alerts.evaluate import EvaluationFailed

    tenant = f.TenantFactory()
    broken = rule_for(tenant, trigger="rate_limit_abuse")
    AlertRule.objects.filter(pk=broken.pk).update(params={"threshold": "many"})  # as a bad manual SQL edit would
    healthy = rule_for(tenant, trigger="trunk_unhealthy")
    f.SipTrunkFactory(tenant=tenant, health_status="unhealthy")
    with pytest.raises(EvaluationFailed, match=str(broken.pk)):
        alerts_evaluate()
    assert Alert.objects.filter(rule=healthy).count() == 1
    assert len(notices(healthy, "fired")) == 1
