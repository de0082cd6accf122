"""Models of the analytics app: one class per spec table, in the spec's schema."""

from decimal import Decimal

from django.db import models

from aybiza.core.db.columns import (
    SIGNED_UNIT_INTERVAL, UNIT_INTERVAL,
    choice, choices_check, created_at, decimal, fk, flag, integer, jsonb, optional_datetime, optional_text, optional_varchar, table, unique, updated_at, uuid_pk, varchar,
)
from aybiza.core.db.consistency import ConsistencyMixin, related
from aybiza.core.db.fields import BigSerialField
from aybiza.core.ownership import Owner
from aybiza.core.timeseries import Hypertable, Rollup

from .choices import CallDirection, CallStatus, MetricType


class Call(ConsistencyMixin, models.Model):
    same_tenant = ("agent", "phone_number")
    belongs_to = {"agent_version": "agent"}

    id = uuid_pk()
    call_sid = models.CharField(max_length=255)
    direction = choice(CallDirection, max_length=10, null=False)
    status = choice(CallStatus, null=False)
    from_number = models.CharField(max_length=20)
    to_number = models.CharField(max_length=20)
    duration_seconds = integer(0)
    billable_duration_seconds = integer(0)
    start_time = models.DateTimeField()
    answer_time = optional_datetime()
    end_time = optional_datetime()
    recording_url = optional_varchar(500)
    recording_duration_seconds = models.IntegerField(null=True, blank=True)
    transcript_id = optional_varchar(255)
    organization = fk('accounts.Organization', on_delete=models.PROTECT, related_name='calls')
    tenant = fk('accounts.Tenant', on_delete=models.PROTECT, related_name='calls')
    agent = fk('agents.Agent', on_delete=models.PROTECT, null=True, related_name='calls')
    agent_version = fk('agents.AgentVersion', on_delete=models.PROTECT, null=True, related_name='calls')
    phone_number = fk('telephony.PhoneNumber', on_delete=models.PROTECT, null=True, related_name='calls')
    metadata = jsonb({})
    created_at = created_at()
    updated_at = updated_at()
    edge_region = optional_varchar(50)
    aws_region = optional_varchar(50)
    cost_usd = decimal(10, 6, default=Decimal('0.00'))
    quality_score = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True, validators=UNIT_INTERVAL)
    sentiment_score = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True, validators=SIGNED_UNIT_INTERVAL)

    owner = Owner()

    class Meta:
        db_table = table('call_analytics', 'calls')
        constraints = [
            unique('calls', 'call_sid'),
            choices_check('calls', 'direction', CallDirection),
            choices_check('calls', 'status', CallStatus),
        ]
        indexes = [
            models.Index(fields=['tenant', '-start_time'], name='idx_calls_tenant_time'),
            models.Index(fields=['agent', '-start_time'], name='idx_calls_agent_time'),
            models.Index(fields=['status', '-start_time'], name='idx_calls_status_time'),
            models.Index(fields=['phone_number', '-start_time'], name='idx_calls_phone_number'),
            models.Index(fields=['duration_seconds', 'status'], name='idx_calls_duration'),
            models.Index(fields=['cost_usd', '-start_time'], name='idx_calls_cost'),
            models.Index(fields=['-start_time', '-id'], name='idx_calls_start_time'),  # added (docs/decisions.md): newest first: admin, refresh, retention
            # added (docs/decisions.md): a tenant's active calls, counted at every routing resolve
            models.Index(fields=['tenant', 'start_time'], name='idx_calls_active_tenant',
                         condition=models.Q(status__in=['initiated', 'ringing', 'answered'])),
        ]

    def __str__(self):
        return self.call_sid


class CallTranscript(ConsistencyMixin, models.Model):
    id = uuid_pk()
    call = fk('Call', on_delete=models.CASCADE, related_name='transcripts')
    call_sid = models.CharField(max_length=255)
    turns = jsonb([], null=False)
    full_text = optional_text()
    word_count = integer(0)
    speaker_count = integer(2)
    language_detected = optional_varchar(10)
    confidence_score = decimal(3, 2, default=Decimal('0.00'), validators=UNIT_INTERVAL)
    processing_time_ms = models.IntegerField(null=True, blank=True)
    created_at = created_at()
    redacted = flag(False)
    redacted_at = optional_datetime()
    redacted_by = fk('accounts.User', on_delete=models.PROTECT, null=True)
    pii_detected = jsonb({})
    summary = optional_text()
    key_topics = jsonb([])

    owner = Owner(tenant="call__tenant_id", organization="call__organization_id")

    class Meta:
        db_table = table('call_analytics', 'call_transcripts')
        constraints = [
        ]
        permissions = [("redact_calltranscript", "Can redact PII in call transcripts")]  # added: analytics/pii
        indexes = [
            models.Index(fields=['call'], name='idx_transcripts_call'),
            models.Index(fields=['redacted', 'redacted_at'], name='idx_transcripts_redacted'),
            models.Index(fields=['language_detected', 'confidence_score'], name='idx_transcripts_language'),
            models.Index(fields=['-created_at', '-id'], name='idx_call_transcripts_created'),  # added (docs/decisions.md): newest first: admin, refresh, retention
        ]

    def __str__(self):
        return f"Transcript of {self.call_sid}"

    def consistency_errors(self):
        errors = super().consistency_errors()
        call = related(self, "call")
        if call is not None and self.call_sid and self.call_sid != call.call_sid:
            errors["call_sid"] = "Must be the call's call_sid."
        return errors


class CallAnalytics(ConsistencyMixin, models.Model):
    same_tenant = ("agent", "phone_number")
    belongs_to = {"agent_version": "agent"}

    id = uuid_pk()
    call_sid = models.CharField(max_length=255)
    organization = fk('accounts.Organization', on_delete=models.PROTECT, related_name='call_analytics')
    tenant = fk('accounts.Tenant', on_delete=models.PROTECT, related_name='call_analytics')
    agent = fk('agents.Agent', on_delete=models.PROTECT, null=True, related_name='call_analytics')
    agent_version = fk('agents.AgentVersion', on_delete=models.PROTECT, null=True, related_name='call_analytics')
    phone_number = fk('telephony.PhoneNumber', on_delete=models.PROTECT, null=True, related_name='call_analytics')
    stt_latency_ms = integer(0)
    llm_first_token_ms = integer(0)
    llm_total_latency_ms = integer(0)
    tts_first_audio_ms = integer(0)
    tts_total_latency_ms = integer(0)
    total_latency_ms = integer(0)
    edge_cache_hits = integer(0)
    edge_cache_misses = integer(0)
    turns_count = integer(0)
    interruptions_count = integer(0)
    tool_calls_count = integer(0)
    successful_tool_calls = integer(0)
    failed_tool_calls = integer(0)
    tokens_used = integer(0)
    model_used = optional_varchar(100)
    voice_model_used = optional_varchar(100)
    created_at = created_at()
    automation_usage = jsonb({})
    performance_metrics = jsonb({})

    owner = Owner()

    class Meta:
        db_table = table('call_analytics', 'call_analytics')
        verbose_name = 'call analytics'
        verbose_name_plural = 'call analytics'
        constraints = [
        ]
        indexes = [
            models.Index(fields=['tenant', 'call_sid'], name='idx_call_analytics_tenant'),
            models.Index(fields=['total_latency_ms', '-created_at'], name='idx_call_analytics_latency'),
            models.Index(fields=['model_used', 'total_latency_ms'], name='idx_call_analytics_performance'),
            models.Index(fields=['call_sid'], name='idx_call_analytics_call_sid'),  # added (docs/decisions.md): a call's analytics
            models.Index(fields=['-created_at', '-id'], name='idx_call_analytics_created'),  # added (docs/decisions.md): newest first: admin, refresh, retention
        ]

    def __str__(self):
        return f"Analytics of {self.call_sid}"


class DetailedMetric(models.Model):
    id = BigSerialField(primary_key=True)
    timestamp = models.DateTimeField()
    call_sid = models.CharField(max_length=255)
    organization_id = models.UUIDField()
    tenant_id = models.UUIDField()
    agent_id = models.UUIDField(null=True, blank=True)
    agent_version_id = models.UUIDField(null=True, blank=True)
    phone_number_id = models.UUIDField(null=True, blank=True)
    metric_type = choice(MetricType, null=False)
    metric_name = models.CharField(max_length=100)
    metric_value = models.FloatField()
    metric_unit = varchar(20, default='ms')
    metadata = jsonb({})
    edge_region = optional_varchar(50)
    aws_region = optional_varchar(50)

    owner = Owner()

    hypertable = Hypertable(chunk_interval="1 hour", compress=True, retention="2 years")

    class Meta:
        db_table = table('call_analytics', 'detailed_metrics')
        constraints = [
            choices_check('detailed_metrics', 'metric_type', MetricType),
        ]
        indexes = [
            models.Index(fields=['tenant_id', '-timestamp'], name='idx_detailed_metrics_tenant_time'),  # added (docs/decisions.md): tenant locality
            models.Index(fields=['call_sid', 'timestamp'], name='idx_detailed_metrics_call'),  # added (docs/decisions.md): a call's metrics
            models.Index(fields=['-timestamp', '-id'], name='idx_detailed_metrics_time'),  # added (docs/decisions.md): newest first: admin, refresh, retention
        ]

    def __str__(self):
        return f"{self.metric_name}={self.metric_value} ({self.call_sid})"



# --- Rollups (docs/timeseries.md) -------------------------------------------
# Read-only views of the spec's hourly aggregates, under the spec's names.
# Unmanaged: the migrations create them as a TimescaleDB continuous aggregate
# or as a table the application refreshes (manage.py refresh_rollups), and the
# ORM reads either the same way. A continuous aggregate can have no surrogate
# key and Django's admin refuses CompositePrimaryKey models, so the bucket
# column stands in as `primary_key`: fine for listing, filtering and ordering;
# never .get() a row by pk (many rows share a bucket). The natural key is
# (hour, tenant_id, agent_id) / (hour, tenant_id, metric_name).


class CallAnalyticsHourly(models.Model):
    """call_analytics.call_analytics_hourly: calls per hour, tenant and agent."""

    hour = models.DateTimeField(primary_key=True)
    # The rollup's tenant: no database FK (a rollup outlives its source rows), a join for scoping.
    tenant = models.ForeignKey('accounts.Tenant', on_delete=models.DO_NOTHING, db_constraint=False,
                               related_name='+')
    agent_id = models.UUIDField(null=True)
    total_calls = models.BigIntegerField()
    avg_duration = models.DecimalField(max_digits=30, decimal_places=10, null=True)
    avg_quality = models.DecimalField(max_digits=30, decimal_places=10, null=True)
    total_cost = models.DecimalField(max_digits=30, decimal_places=10, null=True)
    successful_calls = models.BigIntegerField()

    owner = Owner(organization="tenant__organization_id")

    rollup = Rollup(
        source="analytics.Call", time_column="start_time", width="1 hour", group_by=("tenant_id", "agent_id"),
        aggregates=(
            "COUNT(*), AVG(duration_seconds), AVG(quality_score), SUM(cost_usd), "
            "COUNT(*) FILTER (WHERE status = 'completed')"
        ),
        can_be_cagg=False,  # calls has RLS; caggs refuse such sources
    )

    class Meta:
        managed = False
        db_table = table('call_analytics', 'call_analytics_hourly')
        ordering = ['-hour']
        verbose_name = 'hourly call analytics'
        verbose_name_plural = 'hourly call analytics'

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H:00} {self.tenant_id}: {self.total_calls} calls"


class PerformanceMetricsHourly(models.Model):
    """call_analytics.performance_metrics_hourly: latency metrics per hour, tenant and metric."""

    hour = models.DateTimeField(primary_key=True)
    # The rollup's tenant: no database FK (a rollup outlives its source rows), a join for scoping.
    tenant = models.ForeignKey('accounts.Tenant', on_delete=models.DO_NOTHING, db_constraint=False,
                               related_name='+')
    metric_name = models.CharField(max_length=100)
    avg_value = models.FloatField()
    min_value = models.FloatField()
    max_value = models.FloatField()
    sample_count = models.BigIntegerField()

    owner = Owner(organization="tenant__organization_id")

    rollup = Rollup(
        source="analytics.DetailedMetric", time_column="timestamp", width="1 hour", group_by=("tenant_id", "metric_name"),
        aggregates="AVG(metric_value), MIN(metric_value), MAX(metric_value), COUNT(*)",
        where="s.metric_type = 'latency'",
    )

    class Meta:
        managed = False
        db_table = table('call_analytics', 'performance_metrics_hourly')
        ordering = ['-hour']
        verbose_name = 'hourly performance metric'

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H:00} {self.metric_name}: avg {self.avg_value:g}"
