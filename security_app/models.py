"""Models of the security_app app: one class per spec table, in the spec's schema."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from aybiza.core.db.columns import (
    UNIT_INTERVAL,
    choice, choices_check, created_at, decimal, fk, flag, integer, jsonb, lock_version, now_default,
    optional_datetime, optional_text, optional_varchar, table, unique, updated_at, uuid_pk,
)
from aybiza.core.db.consistency import ConsistencyMixin
from aybiza.core.db.fields import EncryptedTextField
from aybiza.core.db.locking import VersionedModel
from aybiza.core.ownership import Owner
from aybiza.core.timeseries import Hypertable, Rollup

from .choices import (  # noqa: E501
    AlertStatus, ApiKeyStatus, Channel, NotificationKind, NotificationStatus, AuditLogStatus, ComplianceReportStatus, ComplianceReportType, InjectionAction, InjectionDetectionMethod, SecurityEventType, Severity, SubjectRequestKind, SubjectRequestScope, SubjectRequestStatus, VoiceAction, VoiceDetectionMethod, VoiceSecurityEventType
)


class ApiKey(ConsistencyMixin, VersionedModel):
    id = uuid_pk()
    key_hash = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    description = optional_text()
    organization = fk('accounts.Organization', on_delete=models.CASCADE, related_name='api_keys')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, null=True, related_name='api_keys')
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    permissions = jsonb({}, null=False)
    rate_limit = jsonb({'requests_per_minute': 100, 'requests_per_hour': 1000, 'requests_per_day': 10000})
    ip_whitelist = jsonb([])
    status = choice(ApiKeyStatus, default=ApiKeyStatus.ACTIVE)
    created_at = created_at()
    expires_at = optional_datetime()
    last_used_at = optional_datetime()
    usage_count = integer(0)
    version = lock_version()

    owner = Owner()

    class Meta:
        db_table = table('security', 'api_keys')
        verbose_name = 'API key'
        constraints = [
            unique('api_keys', 'key_hash'),
            choices_check('api_keys', 'status', ApiKeyStatus),
        ]
        permissions = [('revoke_apikey', 'Can revoke API keys')]

    def __str__(self):
        return self.name


class AuditLog(ConsistencyMixin, models.Model):
    id = uuid_pk()
    timestamp = now_default()
    organization = fk('accounts.Organization', on_delete=models.PROTECT, related_name='audit_logs')
    tenant = fk('accounts.Tenant', on_delete=models.PROTECT, null=True, related_name='audit_logs')
    user = fk('accounts.User', on_delete=models.PROTECT, null=True)
    api_key = fk('ApiKey', on_delete=models.PROTECT, null=True, related_name='audit_logs')
    action = models.CharField(max_length=100)
    resource_type = models.CharField(max_length=100)
    resource_id = models.UUIDField(null=True, blank=True)
    resource_name = optional_varchar(255)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = optional_text()
    request_id = models.UUIDField(null=True, blank=True)
    session_id = optional_varchar(255)
    details = jsonb({})
    status = choice(AuditLogStatus, default=AuditLogStatus.SUCCESS)
    error_message = optional_text()
    duration_ms = models.IntegerField(null=True, blank=True)
    edge_region = optional_varchar(50)
    aws_region = optional_varchar(50)

    owner = Owner()

    hypertable = Hypertable(chunk_interval="1 day", compress=True, retention="7 years")

    class Meta:
        db_table = table('security', 'audit_logs')
        constraints = [
            choices_check('audit_logs', 'status', AuditLogStatus),
        ]
        indexes = [
            models.Index(fields=['tenant', '-timestamp'], name='idx_audit_logs_tenant_time'),
            models.Index(fields=['user', 'action', '-timestamp'], name='idx_audit_logs_user_action'),
            models.Index(fields=['resource_type', 'resource_id', '-timestamp'], name='idx_audit_logs_resource'),
            models.Index(fields=['-timestamp', '-id'], name='idx_audit_logs_time'),  # added (docs/decisions.md): newest first: admin, refresh, retention
        ]

    def __str__(self):
        return f"{self.action} {self.resource_type} {self.resource_name or self.resource_id or ''}".strip()


class SecurityEvent(ConsistencyMixin, models.Model):
    id = uuid_pk()
    timestamp = now_default()
    organization = fk('accounts.Organization', on_delete=models.PROTECT, related_name='security_events')
    tenant = fk('accounts.Tenant', on_delete=models.PROTECT, null=True, related_name='security_events')
    event_type = choice(SecurityEventType, max_length=100, null=False)
    severity = choice(Severity, max_length=20, null=False)
    source = models.CharField(max_length=100)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user = fk('accounts.User', on_delete=models.PROTECT, null=True)
    api_key = fk('ApiKey', on_delete=models.PROTECT, null=True, related_name='security_events')
    details = jsonb({})
    resolved = flag(False)
    resolved_at = optional_datetime()
    resolved_by = fk('accounts.User', on_delete=models.PROTECT, null=True, db_column='resolved_by')
    resolution_notes = optional_text()
    automated_response = jsonb({})
    risk_score = decimal(3, 2, default=Decimal('0.00'), validators=UNIT_INTERVAL)

    owner = Owner()

    hypertable = Hypertable(chunk_interval="1 day", compress=True, retention="7 years")

    class Meta:
        db_table = table('security', 'security_events')
        constraints = [
            choices_check('security_events', 'event_type', SecurityEventType),
            choices_check('security_events', 'severity', Severity),
        ]
        indexes = [
            models.Index(fields=['tenant', '-timestamp'], name='idx_security_events_tenant_time'),
            models.Index(fields=['severity', 'resolved', '-timestamp'], name='idx_security_events_severity'),
            models.Index(fields=['event_type', '-timestamp'], name='idx_security_events_type'),
            models.Index(fields=['-timestamp', '-id'], name='idx_security_events_time'),  # added (docs/decisions.md): newest first: admin, refresh, retention
        ]
        permissions = [('review_securityevent', 'Can resolve security events')]

    def __str__(self):
        return f"{self.event_type} ({self.severity}) at {self.timestamp:%Y-%m-%d %H:%M}"


class PromptInjectionAttempt(ConsistencyMixin, models.Model):
    same_tenant = ("agent",)
    belongs_to = {"agent_version": "agent"}

    id = uuid_pk()
    timestamp = now_default()
    organization = fk('accounts.Organization', on_delete=models.PROTECT, related_name='prompt_injection_attempts')
    tenant = fk('accounts.Tenant', on_delete=models.PROTECT, related_name='prompt_injection_attempts')
    agent = fk('agents.Agent', on_delete=models.PROTECT, null=True, related_name='prompt_injection_attempts')
    agent_version = fk('agents.AgentVersion', on_delete=models.PROTECT, null=True, related_name='prompt_injection_attempts')
    call_sid = optional_varchar(255)
    input_text = models.TextField()
    detection_method = choice(InjectionDetectionMethod, max_length=100, null=False)
    confidence_score = models.DecimalField(max_digits=3, decimal_places=2, validators=UNIT_INTERVAL)
    threat_level = choice(Severity, default=Severity.MEDIUM, max_length=20)
    action_taken = choice(InjectionAction, max_length=100, null=False)
    metadata = jsonb({})
    false_positive = models.BooleanField(null=True, blank=True)
    reviewed_by = fk('accounts.User', on_delete=models.PROTECT, null=True, db_column='reviewed_by')
    reviewed_at = optional_datetime()

    owner = Owner()

    hypertable = Hypertable(chunk_interval="1 day", compress=False, retention=None)

    class Meta:
        db_table = table('security', 'prompt_injection_attempts')
        constraints = [
            choices_check('prompt_injection_attempts', 'detection_method', InjectionDetectionMethod),
            choices_check('prompt_injection_attempts', 'threat_level', Severity),
            choices_check('prompt_injection_attempts', 'action_taken', InjectionAction),
        ]
        indexes = [
            models.Index(fields=['tenant', '-timestamp'], name='idx_prompt_injection_tenant_time'),  # added (docs/decisions.md): tenant locality
            models.Index(fields=['-timestamp', '-id'], name='idx_prompt_injection_time'),  # added (docs/decisions.md): newest first: admin, refresh, retention
        ]
        permissions = [('review_promptinjectionattempt', 'Can review prompt injection attempts')]

    def __str__(self):
        return f"Prompt injection ({self.threat_level}, {self.action_taken}) at {self.timestamp:%Y-%m-%d %H:%M}"


class VoiceSecurityEvent(ConsistencyMixin, models.Model):
    same_tenant = ("agent",)
    belongs_to = {"agent_version": "agent"}

    id = uuid_pk()
    timestamp = now_default()
    organization = fk('accounts.Organization', on_delete=models.PROTECT, related_name='voice_security_events')
    tenant = fk('accounts.Tenant', on_delete=models.PROTECT, related_name='voice_security_events')
    agent = fk('agents.Agent', on_delete=models.PROTECT, null=True, related_name='voice_security_events')
    agent_version = fk('agents.AgentVersion', on_delete=models.PROTECT, null=True, related_name='voice_security_events')
    call_sid = models.CharField(max_length=255)
    event_type = choice(VoiceSecurityEventType, max_length=100, null=False)
    detection_method = choice(VoiceDetectionMethod, max_length=100, null=False)
    confidence_score = models.DecimalField(max_digits=3, decimal_places=2, validators=UNIT_INTERVAL)
    threat_level = choice(Severity, default=Severity.MEDIUM, max_length=20)
    action_taken = choice(VoiceAction, max_length=100, null=False)
    audio_sample_url = optional_varchar(500)
    metadata = jsonb({})
    false_positive = models.BooleanField(null=True, blank=True)
    reviewed_by = fk('accounts.User', on_delete=models.PROTECT, null=True, db_column='reviewed_by')
    reviewed_at = optional_datetime()

    owner = Owner()

    hypertable = Hypertable(chunk_interval="1 day", compress=False, retention=None)

    class Meta:
        db_table = table('security', 'voice_security_events')
        constraints = [
            choices_check('voice_security_events', 'event_type', VoiceSecurityEventType),
            choices_check('voice_security_events', 'detection_method', VoiceDetectionMethod),
            choices_check('voice_security_events', 'threat_level', Severity),
            choices_check('voice_security_events', 'action_taken', VoiceAction),
        ]
        indexes = [
            models.Index(fields=['tenant', '-timestamp'], name='idx_voice_security_tenant_time'),  # added (docs/decisions.md): tenant locality
            models.Index(fields=['-timestamp', '-id'], name='idx_voice_security_time'),  # added (docs/decisions.md): newest first: admin, refresh, retention
        ]
        permissions = [('review_voicesecurityevent', 'Can review voice security events')]

    def __str__(self):
        return f"{self.event_type} ({self.threat_level}) on {self.call_sid}"


class ApiAccessLog(ConsistencyMixin, models.Model):
    id = uuid_pk()
    timestamp = now_default()
    organization = fk('accounts.Organization', on_delete=models.PROTECT, null=True, related_name='api_access_logs')
    tenant = fk('accounts.Tenant', on_delete=models.PROTECT, null=True, related_name='api_access_logs')
    user = fk('accounts.User', on_delete=models.PROTECT, null=True)
    api_key = fk('ApiKey', on_delete=models.PROTECT, null=True, related_name='api_access_logs')
    endpoint = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    status_code = models.IntegerField()
    response_time_ms = models.IntegerField()
    request_size_bytes = integer(0)
    response_size_bytes = integer(0)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = optional_text()
    request_id = models.UUIDField(null=True, blank=True)
    request_body_hash = optional_varchar(64)
    rate_limited = flag(False)
    cached_response = flag(False)
    edge_region = optional_varchar(50)
    aws_region = optional_varchar(50)
    error_details = jsonb({})

    owner = Owner()

    hypertable = Hypertable(chunk_interval="1 hour", compress=True, retention="1 year")

    class Meta:
        db_table = table('security', 'api_access_logs')
        verbose_name = 'API access log'
        constraints = [
        ]
        indexes = [
            models.Index(fields=['tenant', '-timestamp'], name='idx_api_logs_tenant_time'),
            models.Index(fields=['endpoint', '-timestamp'], name='idx_api_logs_endpoint_time'),
            models.Index(fields=['status_code', '-timestamp'], name='idx_api_logs_status_time'),
            models.Index(fields=['-response_time_ms', '-timestamp'], name='idx_api_logs_performance'),
            models.Index(fields=['-timestamp', '-id'], name='idx_api_access_logs_time'),  # added (docs/decisions.md): newest first: admin, refresh, retention
        ]

    def __str__(self):
        return f"{self.method} {self.endpoint} {self.status_code}"


class ComplianceReport(ConsistencyMixin, models.Model):
    id = uuid_pk()
    organization = fk('accounts.Organization', on_delete=models.CASCADE, related_name='compliance_reports')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, null=True, related_name='compliance_reports')
    report_type = choice(ComplianceReportType, null=False)
    reporting_period_start = models.DateTimeField()
    reporting_period_end = models.DateTimeField()
    status = choice(ComplianceReportStatus, default=ComplianceReportStatus.GENERATING)
    report_data = jsonb({}, null=False)
    findings = jsonb([])
    recommendations = jsonb([])
    generated_at = now_default()
    generated_by = fk('accounts.User', on_delete=models.PROTECT)
    report_file_url = optional_varchar(500)
    checksum = optional_varchar(64)
    # added (docs/decisions.md): the stored documents {"json"|"pdf": {"name", "sha256", "bytes"}} and the
    # error of a failed generation; `checksum` is the JSON document's SHA-256 as the spec has it.
    documents = jsonb({}, null=False)
    error_message = optional_text()

    owner = Owner()

    class Meta:
        db_table = table('security', 'compliance_reports')
        constraints = [
            choices_check('compliance_reports', 'report_type', ComplianceReportType),
            choices_check('compliance_reports', 'status', ComplianceReportStatus),
        ]

    def __str__(self):
        return f"{self.report_type} report {self.reporting_period_start:%Y-%m-%d}..{self.reporting_period_end:%Y-%m-%d}"



class DataSubjectRequest(ConsistencyMixin, models.Model):
    """security.data_subject_requests (extension of the spec, docs/decisions.md): GDPR Art. 15/17 requests.

    A request names a subject by phone number and/or e-mail within an organization (or one of its
    tenants), or, for offboarding, the whole organization. Once an erasure has run, the identifiers are
    replaced by `subject_fingerprint` (an HMAC), so the request itself no longer names the person.
    """

    id = uuid_pk()
    organization = fk('accounts.Organization', on_delete=models.PROTECT, related_name='data_subject_requests')
    tenant = fk('accounts.Tenant', on_delete=models.PROTECT, null=True, related_name='data_subject_requests')
    kind = choice(SubjectRequestKind, max_length=20, null=False)
    scope = choice(SubjectRequestScope, default=SubjectRequestScope.SUBJECT, max_length=20, null=False)
    subject_phone = optional_varchar(20)
    subject_email = optional_varchar(255)
    subject_fingerprint = optional_varchar(64)
    status = choice(SubjectRequestStatus, default=SubjectRequestStatus.RECEIVED, max_length=20, null=False)
    received_at = now_default()
    due_at = models.DateTimeField()
    counts = jsonb({}, null=False)
    result = jsonb({}, null=False)
    archive_name = optional_varchar(500)
    archive_checksum = optional_varchar(64)
    error_message = optional_text()
    notes = optional_text()
    requested_by = fk('accounts.User', on_delete=models.PROTECT, null=True, related_name='+')
    approved_by = fk('accounts.User', on_delete=models.PROTECT, null=True, related_name='+')
    approved_at = optional_datetime()
    started_at = optional_datetime()
    completed_at = optional_datetime()

    owner = Owner()

    class Meta:
        db_table = table('security', 'data_subject_requests')
        verbose_name = 'data-subject request'
        constraints = [
            choices_check('data_subject_requests', 'kind', SubjectRequestKind),
            choices_check('data_subject_requests', 'scope', SubjectRequestScope),
            choices_check('data_subject_requests', 'status', SubjectRequestStatus),
        ]
        indexes = [
            models.Index(fields=['organization', 'status', 'due_at'], name='idx_dsr_org_status_due'),
            models.Index(fields=['tenant', '-received_at'], name='idx_dsr_tenant_received'),
        ]
        permissions = [('approve_datasubjectrequest', 'Can dry-run, approve, reject and run data-subject requests')]

    def __str__(self):
        # Never the phone number or e-mail: this text lands in audit rows and the admin's change log.
        who = "organization offboarding" if self.scope == SubjectRequestScope.ORGANIZATION else \
            f"subject {(self.subject_fingerprint or '')[:12]}"
        return f"{self.kind} of {who} ({self.status})"


# --- Rollups (docs/timeseries.md) -------------------------------------------
# Unmanaged, read-only: a TimescaleDB continuous aggregate or an application-
# refreshed table of the same name and columns (see analytics.models for why
# the bucket column is the Django primary key; never .get() by it).


class SecurityEventsDaily(models.Model):
    """security.security_events_daily: security events per day, tenant, type and severity."""

    day = models.DateTimeField(primary_key=True)
    # The rollup's tenant: no database FK (a rollup outlives its source rows), a join for scoping.
    tenant = models.ForeignKey('accounts.Tenant', on_delete=models.DO_NOTHING, db_constraint=False,
                               related_name='+', null=True)
    event_type = models.CharField(max_length=100)
    severity = models.CharField(max_length=20)
    event_count = models.BigIntegerField()
    resolved_count = models.BigIntegerField()

    owner = Owner(organization="tenant__organization_id")

    rollup = Rollup(
        source="security_app.SecurityEvent", time_column="timestamp", width="1 day",
        group_by=("tenant_id", "event_type", "severity"),
        aggregates="COUNT(*), COUNT(*) FILTER (WHERE resolved = true)",
    )

    class Meta:
        managed = False
        db_table = table('security', 'security_events_daily')
        ordering = ['-day']
        verbose_name = 'daily security events'
        verbose_name_plural = 'daily security events'

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.event_type}/{self.severity}: {self.event_count}"


# --- Alerting (tables of ours, not the spec's: docs/decisions.md). Platform rows have no organization. ---


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

    owner = Owner()

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

    owner = Owner()

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

    owner = Owner()

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

    owner = Owner()

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

    owner = Owner()

    class Meta:
        db_table = table('security', 'alert_deliveries')
        verbose_name_plural = 'alert deliveries'
        indexes = [
            models.Index(fields=['notification', 'attempt'], name='idx_alert_deliveries_notif'),
            models.Index(fields=['-attempted_at', '-id'], name='idx_alert_deliveries_time'),
        ]

    def __str__(self):
        return f"attempt {self.attempt} of {self.notification_id}: {'ok' if self.succeeded else 'failed'}"
