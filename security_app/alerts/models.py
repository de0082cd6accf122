"""Alerting tables (ours, not the spec's: docs/decisions.md). Platform rows have no organization."""

from django.db import models
from django.db.models import Q

from aybiza.db.columns import (
    choice, choices_check, created_at, fk, flag, integer, jsonb, optional_datetime, optional_text, table, updated_at,
    uuid_pk,
)
from aybiza.db.fields import EncryptedTextField

from ..choices import Severity
from .choices import AlertStatus, Channel, NotificationKind, NotificationStatus


class WebhookEndpoint(models.Model):
    """Where alert notices are POSTed, signed with `secret` (HMAC-SHA256; docs/operations.md)."""

    id = uuid_pk()
    organization = fk('accounts.Organization', on_delete=models.CASCADE, null=True, related_name='webhook_endpoints')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, null=True, related_name='webhook_endpoints')
    name = models.CharField(max_length=255)
    url = models.URLField(max_length=2000)
    secret = EncryptedTextField(help_text="The HMAC-SHA256 signing key (write-only).")
    is_active = flag(True)
    consecutive_failures = integer(0)
    disabled_at = optional_datetime()
    disabled_reason = optional_text()
    last_success_at = optional_datetime()
    last_failure_at = optional_datetime()
    created_by = fk('accounts.User', on_delete=models.SET_NULL, null=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        db_table = table('security', 'webhook_endpoints')
        indexes = [models.Index(fields=['organization', 'tenant'], name='idx_webhook_endpoints_owner')]

    def __str__(self):
        return self.name


class AlertRule(models.Model):
    """What to watch (`trigger`, `min_severity`, `params`), for whom (scope), and where to send notices."""

    id = uuid_pk()
    organization = fk('accounts.Organization', on_delete=models.CASCADE, null=True, related_name='alert_rules')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, null=True, related_name='alert_rules')
    name = models.CharField(max_length=255)
    description = optional_text()
    trigger = models.CharField(max_length=50, help_text="What the rule watches (docs/operations.md, Alert rules).")
    min_severity = choice(Severity, default=Severity.HIGH, max_length=20)
    params = jsonb({}, help_text='Trigger parameters, e.g. {"days": 30} or {"threshold": 20}.')
    window_minutes = integer(60, help_text="Look-back of event triggers, and at most one notice per subject per window.")
    email_recipients = jsonb([], help_text="E-mail addresses that get the notices.")
    webhook_endpoints = models.ManyToManyField(
        WebhookEndpoint, blank=True, related_name='alert_rules', db_table=table('security', 'alert_rule_webhooks'),
    )
    is_active = flag(True)
    last_evaluated_at = optional_datetime()
    created_by = fk('accounts.User', on_delete=models.SET_NULL, null=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        db_table = table('security', 'alert_rules')
        constraints = [
            choices_check('alert_rules', 'min_severity', Severity),
            models.CheckConstraint(condition=Q(window_minutes__gte=1), name='alert_rules_window_minutes_check'),
            models.CheckConstraint(condition=Q(tenant__isnull=True) | Q(organization__isnull=False),
                                   name='alert_rules_tenant_has_organization'),
        ]
        indexes = [models.Index(fields=['organization', 'tenant'], name='idx_alert_rules_owner')]

    def __str__(self):
        return self.name


class Alert(models.Model):
    """One subject of a rule in alert, from firing to resolution. At most one firing per rule and subject."""

    id = uuid_pk()
    rule = fk(AlertRule, on_delete=models.CASCADE, related_name='alerts')
    organization = fk('accounts.Organization', on_delete=models.CASCADE, null=True, related_name='alerts')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, null=True, related_name='alerts')
    subject = models.CharField(max_length=255)
    dedup_key = models.CharField(max_length=300, editable=False, help_text="rule id + subject.")
    status = choice(AlertStatus, default=AlertStatus.FIRING, null=False, max_length=20)
    severity = choice(Severity, max_length=20, null=False)
    title = models.CharField(max_length=500)
    details = jsonb({})
    fired_at = created_at()
    last_seen_at = models.DateTimeField()
    resolved_at = optional_datetime()
    notified_at = optional_datetime(help_text="When its firing notice went out (unset: held back by the window).")

    class Meta:
        db_table = table('security', 'alerts')
        constraints = [
            choices_check('alerts', 'status', AlertStatus),
            choices_check('alerts', 'severity', Severity),
            models.UniqueConstraint(fields=['dedup_key'], condition=Q(status='firing'), name='alerts_one_firing'),
        ]
        indexes = [
            models.Index(fields=['rule', 'subject', '-fired_at'], name='idx_alerts_rule_subject'),
            models.Index(fields=['-fired_at', '-id'], name='idx_alerts_time'),
        ]

    def __str__(self):
        return self.title


class AlertNotification(models.Model):
    """One notice (fired, resolved, digest, endpoint disabled) to one channel: an e-mail or one endpoint."""

    id = uuid_pk()
    rule = fk(AlertRule, on_delete=models.CASCADE, null=True, related_name='notifications')
    organization = fk('accounts.Organization', on_delete=models.CASCADE, null=True, related_name='+')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, null=True, related_name='+')
    kind = choice(NotificationKind, null=False, max_length=20)
    channel = choice(Channel, null=False, max_length=20)
    endpoint = fk(WebhookEndpoint, on_delete=models.CASCADE, null=True, related_name='notifications')
    recipients = jsonb([])
    alerts = models.ManyToManyField(Alert, blank=True, related_name='notifications',
                                    db_table=table('security', 'alert_notification_alerts'))
    subject_line = models.CharField(max_length=500)
    payload = jsonb({})
    status = choice(NotificationStatus, default=NotificationStatus.PENDING, null=False, max_length=20)
    attempts = integer(0)
    created_at = created_at()
    delivered_at = optional_datetime()
    last_error = optional_text()

    class Meta:
        db_table = table('security', 'alert_notifications')
        constraints = [
            choices_check('alert_notifications', 'kind', NotificationKind),
            choices_check('alert_notifications', 'channel', Channel),
            choices_check('alert_notifications', 'status', NotificationStatus),
        ]
        indexes = [models.Index(fields=['-created_at', '-id'], name='idx_alert_notifications_time')]

    def __str__(self):
        return f"{self.kind} via {self.channel}: {self.subject_line}"


class AlertDelivery(models.Model):
    """Each delivery attempt of a notification, successful or not."""

    id = uuid_pk()
    notification = fk(AlertNotification, on_delete=models.CASCADE, related_name='deliveries')
    organization = fk('accounts.Organization', on_delete=models.CASCADE, null=True, related_name='+')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, null=True, related_name='+')
    attempt = models.IntegerField()
    attempted_at = created_at()
    succeeded = models.BooleanField()
    response_status = models.IntegerField(null=True, blank=True)
    error = optional_text()
    duration_ms = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = table('security', 'alert_deliveries')
        verbose_name_plural = 'alert deliveries'
        indexes = [
            models.Index(fields=['notification', 'attempt'], name='idx_alert_deliveries_notif'),
            models.Index(fields=['-attempted_at', '-id'], name='idx_alert_deliveries_time'),
        ]

    def __str__(self):
        return f"attempt {self.attempt} of {self.notification_id}: {'ok' if self.succeeded else 'failed'}"
