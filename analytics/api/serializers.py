from rest_framework import serializers

from agents.models import Agent, AgentVersion
from aybiza.api.fields import BoundedDateTimeField
from aybiza.api.serializers import ScopedPrimaryKeyRelatedField, TenantOwnedSerializer
from telephony.e164 import serializer_e164
from telephony.models import PhoneNumber

from ..choices import CallStatus
from ..models import Call, CallAnalytics, CallTranscript, DetailedMetric
from ..services.ingestion import MAX_METRICS

CALL_FIELDS = (
    "id", "call_sid", "direction", "status", "from_number", "to_number", "duration_seconds",
    "billable_duration_seconds", "start_time", "answer_time", "end_time", "recording_url",
    "recording_duration_seconds", "transcript_id", "organization", "tenant", "agent", "agent_version",
    "phone_number", "metadata", "edge_region", "aws_region", "cost_usd", "quality_score", "sentiment_score",
    "created_at", "updated_at",
)


class CallSerializer(TenantOwnedSerializer):
    """Calls; created and advanced through their lifecycle by the voice platform."""

    agent = ScopedPrimaryKeyRelatedField(queryset=Agent.objects.all(), required=False, allow_null=True)
    agent_version = ScopedPrimaryKeyRelatedField(queryset=AgentVersion.objects.all(), required=False, allow_null=True)
    phone_number = ScopedPrimaryKeyRelatedField(queryset=PhoneNumber.objects.all(), required=False, allow_null=True)
    duration_seconds = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    billable_duration_seconds = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    recording_duration_seconds = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False,
                                                          allow_null=True)

    class Meta:
        model = Call
        fields = CALL_FIELDS
        read_only_fields = ("organization",)
        # call_sid uniqueness is the database's (409): a pre-check could not see other tenants' calls (RLS).
        extra_kwargs = {"call_sid": {"validators": []}}

    def validate_from_number(self, value):
        return serializer_e164(value, "from_number", withheld_allowed=True)

    def validate_to_number(self, value):
        return serializer_e164(value, "to_number")

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            for name in ("call_sid", "direction", "start_time"):
                fields[name].read_only = True
        return fields


class CallTranscriptSerializer(serializers.ModelSerializer):
    call = ScopedPrimaryKeyRelatedField(queryset=Call.objects.all())
    word_count = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    speaker_count = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    processing_time_ms = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, allow_null=True)

    class Meta:
        model = CallTranscript
        fields = ("id", "call", "call_sid", "turns", "full_text", "word_count", "speaker_count", "language_detected",
                  "confidence_score", "processing_time_ms", "redacted", "redacted_at", "pii_detected", "summary",
                  "key_topics", "created_at")
        read_only_fields = ("call_sid", "redacted", "redacted_at", "pii_detected")  # set by redaction only


def _counter(**kwargs):
    return serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, **kwargs)


class CallAnalyticsSerializer(serializers.ModelSerializer):
    call = ScopedPrimaryKeyRelatedField(queryset=Call.objects.all(), write_only=True,
                                        help_text="The call these analytics are of.")
    COUNTERS = ("stt_latency_ms", "llm_first_token_ms", "llm_total_latency_ms", "tts_first_audio_ms",
                "tts_total_latency_ms", "total_latency_ms", "edge_cache_hits", "edge_cache_misses", "turns_count",
                "interruptions_count", "tool_calls_count", "successful_tool_calls", "failed_tool_calls", "tokens_used")

    class Meta:
        model = CallAnalytics
        fields = ("id", "call", "call_sid", "organization", "tenant", "agent", "agent_version", "phone_number",
                  "stt_latency_ms", "llm_first_token_ms", "llm_total_latency_ms", "tts_first_audio_ms",
                  "tts_total_latency_ms", "total_latency_ms", "edge_cache_hits", "edge_cache_misses", "turns_count",
                  "interruptions_count", "tool_calls_count", "successful_tool_calls", "failed_tool_calls",
                  "tokens_used", "model_used", "voice_model_used", "automation_usage", "performance_metrics",
                  "created_at")
        read_only_fields = ("call_sid", "organization", "tenant", "agent", "agent_version", "phone_number")

    def get_fields(self):
        fields = super().get_fields()
        for name in self.COUNTERS:
            fields[name] = _counter()
        return fields


class DetailedMetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = DetailedMetric
        fields = ("id", "timestamp", "call_sid", "organization_id", "tenant_id", "agent_id", "agent_version_id",
                  "phone_number_id", "metric_type", "metric_name", "metric_value", "metric_unit", "metadata",
                  "edge_region", "aws_region")
        read_only_fields = fields


class MetricInputSerializer(serializers.Serializer):
    """One metric of a bulk request (documentation: the bulk endpoint validates rows itself, fast)."""

    timestamp = BoundedDateTimeField()
    call_sid = serializers.CharField(max_length=255, required=False, help_text="Defaults to the request's call_sid.")
    metric_type = serializers.ChoiceField(choices=DetailedMetric._meta.get_field("metric_type").choices)
    metric_name = serializers.CharField(max_length=100)
    metric_value = serializers.FloatField()
    metric_unit = serializers.CharField(max_length=20, required=False, default="ms")
    metadata = serializers.DictField(required=False)
    edge_region = serializers.CharField(max_length=50, required=False)
    aws_region = serializers.CharField(max_length=50, required=False)


class MetricBulkSerializer(serializers.Serializer):
    call_sid = serializers.CharField(max_length=255, required=False, help_text="Default call_sid of every row.")
    metrics = MetricInputSerializer(many=True, max_length=MAX_METRICS)


class MetricBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()


class UsageSerializer(serializers.Serializer):
    period_start = serializers.DateTimeField()
    agent_id = serializers.UUIDField(allow_null=True)
    calls = serializers.IntegerField()
    successful_calls = serializers.IntegerField()
    minutes = serializers.DecimalField(max_digits=20, decimal_places=2)
    cost_usd = serializers.DecimalField(max_digits=20, decimal_places=6)
    avg_quality = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True)
    avg_latency_ms = serializers.FloatField(allow_null=True)


CALL_STATUSES = CallStatus.values
