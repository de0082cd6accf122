"""factory_boy factories for alerting (security_app/alerts) and the job runner's jobs."""

import uuid

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from security_app.models import Alert, AlertDelivery, AlertNotification, AlertRule, WebhookEndpoint

from .accounts import TenantScopedFactory


class WebhookEndpointFactory(TenantScopedFactory):
    class Meta:
        model = WebhookEndpoint

    name = factory.Sequence(lambda n: f"hook {n}")
    url = "https://hooks.example.com/aybiza"
    secret = factory.LazyFunction(lambda: uuid.uuid4().hex + uuid.uuid4().hex)


class AlertRuleFactory(TenantScopedFactory):
    class Meta:
        model = AlertRule

    name = factory.Sequence(lambda n: f"rule {n}")
    trigger = "security_event"
    min_severity = "high"
    window_minutes = 60
    email_recipients = factory.LazyFunction(lambda: ["oncall@example.com"])


class AlertFactory(DjangoModelFactory):
    class Meta:
        model = Alert

    rule = factory.SubFactory(AlertRuleFactory)
    tenant = factory.SelfAttribute("rule.tenant")
    organization = factory.SelfAttribute("rule.organization")
    subject = factory.Sequence(lambda n: f"subject:{n}")
    dedup_key = factory.LazyAttribute(lambda o: f"{o.rule.pk}:{o.subject}")
    severity = "high"
    title = factory.Sequence(lambda n: f"Alert {n}")
    fired_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyFunction(timezone.now)


class AlertNotificationFactory(DjangoModelFactory):
    class Meta:
        model = AlertNotification

    rule = factory.SubFactory(AlertRuleFactory)
    tenant = factory.SelfAttribute("rule.tenant")
    organization = factory.SelfAttribute("rule.organization")
    kind = "fired"
    channel = "email"
    recipients = factory.LazyFunction(lambda: ["oncall@example.com"])
    subject_line = "[AYBIZA] FIRING: test"
    payload = factory.LazyFunction(lambda: {"kind": "fired", "alerts": []})


class AlertDeliveryFactory(DjangoModelFactory):
    class Meta:
        model = AlertDelivery

    notification = factory.SubFactory(AlertNotificationFactory)
    tenant = factory.SelfAttribute("notification.tenant")
    organization = factory.SelfAttribute("notification.organization")
    attempt = 1
    succeeded = False
    response_status = 503
    error = "HTTP 503"
    duration_ms = 12


class ProcrastinateJobFactory(factory.Factory):
    """A queued job, deferred through the job runner itself (its models are read-only)."""

    class Meta:
        model = dict

    task_name = "telephony.expire_reservations"

    @classmethod
    def _create(cls, model_class, task_name):
        return ProcrastinateJob.objects.get(pk=app.tasks[task_name].defer())
