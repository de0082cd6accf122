"""Models of the security_app app: one class per spec table, in the spec's schema."""

from decimal import Decimal

from django.db import models

from aybiza.db.columns import (
    UNIT_INTERVAL,
    choice, choices_check, created_at, decimal, fk, flag, integer, jsonb, lock_version, now_default,
    optional_datetime, optional_text, optional_varchar, table, unique, uuid_pk,
)
from aybiza.db.consistency import ConsistencyMixin
from aybiza.db.locking import VersionedModel

from .choices import ApiKeyStatus, AuditLogStatus, ComplianceReportStatus, ComplianceReportType, InjectionAction, InjectionDetectionMethod, SecurityEventType, Severity, VoiceAction, VoiceDetectionMethod, VoiceSecurityEventType


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

    class Meta:
        db_table = table('security', 'compliance_reports')
        constraints = [
            choices_check('compliance_reports', 'report_type', ComplianceReportType),
            choices_check('compliance_reports', 'status', ComplianceReportStatus),
        ]

    def __str__(self):
        return f"{self.report_type} report {self.reporting_period_start:%Y-%m-%d}..{self.reporting_period_end:%Y-%m-%d}"



# --- Rollups (docs/timeseries.md) -------------------------------------------
# Unmanaged, read-only: a TimescaleDB continuous aggregate or an application-
# refreshed table of the same name and columns (see analytics.models for why
# the bucket column is the Django primary key; never .get() by it).


class SecurityEventsDaily(models.Model):
    """security.security_events_daily: security events per day, tenant, type and severity."""

    day = models.DateTimeField(primary_key=True)
    tenant_id = models.UUIDField(null=True)
    event_type = models.CharField(max_length=100)
    severity = models.CharField(max_length=20)
    event_count = models.BigIntegerField()
    resolved_count = models.BigIntegerField()

    class Meta:
        managed = False
        db_table = table('security', 'security_events_daily')
        ordering = ['-day']
        verbose_name = 'daily security events'
        verbose_name_plural = 'daily security events'

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.event_type}/{self.severity}: {self.event_count}"


# Alerting (tables of ours, docs/decisions.md): models live in security_app/alerts/models.py.
from .alerts.models import Alert, AlertDelivery, AlertNotification, AlertRule, WebhookEndpoint  # noqa: E402,F401
