"""Ops console: calls and their transcripts, analytics and metrics (read-only, millions of rows)."""

from django.contrib import admin, messages
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from aybiza.admin.base import ReadOnlyInline, TimeSeriesAdmin, UUIDNamesMixin
from aybiza.admin.filters import uuid_choice_filter

from . import experiment_admin  # noqa: F401  (the agent page's experiment panel and flows)
from .models import Call, CallAnalytics, CallTranscript, DetailedMetric
from .services.redaction import transcript_redact

LATENCY_FIELDS = ("stt_latency_ms", "llm_first_token_ms", "llm_total_latency_ms", "tts_first_audio_ms",
                  "tts_total_latency_ms", "total_latency_ms")


class CallTranscriptInline(ReadOnlyInline):
    model = CallTranscript
    fk_name = "call"
    fields = ("language_detected", "word_count", "confidence_score", "redacted", "summary", "created_at")
    readonly_fields = fields


@admin.register(Call)
class CallAdmin(TimeSeriesAdmin):
    time_field = "start_time"
    list_display = ("call_sid", "start_time", "direction", "status", "tenant", "agent", "from_number", "to_number",
                    "duration_seconds", "cost_usd")
    list_select_related = ("tenant", "agent")
    list_filter = ("status", "direction", "tenant")
    search_fields = ("call_sid__exact", "from_number__exact", "to_number__exact")
    search_help_text = "An exact call SID (any date), or a phone number in E.164 (within the chosen period)."
    inlines = (CallTranscriptInline,)
    readonly_fields = ("analytics",)
    fieldsets = (
        (None, {"fields": ("call_sid", "direction", "status", "from_number", "to_number")}),
        ("Ownership", {"fields": ("organization", "tenant", "agent", "agent_version", "phone_number")}),
        ("Timing", {"fields": ("start_time", "answer_time", "end_time", "duration_seconds",
                               "billable_duration_seconds")}),
        ("Recording and transcript", {"fields": ("recording_url", "recording_duration_seconds", "transcript_id")}),
        ("Quality and cost", {"fields": ("cost_usd", "quality_score", "sentiment_score", "edge_region", "aws_region")}),
        ("Analytics", {"fields": ("analytics",)}),
        ("Metadata", {"fields": ("metadata",), "classes": ("collapse",)}),
    )

    @staticmethod
    def _is_number(term: str) -> bool:
        return term.startswith("+") or term.isdigit()

    def search_all_time(self, term: str) -> bool:
        return not self._is_number(term)  # call_sid is indexed (unique); numbers are not: keep the window

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if self._is_number(term):
            return queryset.filter(Q(from_number=term) | Q(to_number=term)), False
        return queryset.filter(call_sid=term), False

    @admin.display(description="analytics of this call")
    def analytics(self, obj):
        rows = list(CallAnalytics.objects.filter(call_sid=obj.call_sid).values("id", *LATENCY_FIELDS, "model_used",
                                                                                  "tokens_used", "turns_count"))
        if not rows:
            return "—"
        header = format_html_join("", "<th>{}</th>", ((f.replace("_", " "),) for f in (*LATENCY_FIELDS, "model used",
                                                                                          "tokens", "turns")))
        body = format_html_join(
            "", '<tr><td><a href="{}">{}</a></td>' + "<td>{}</td>" * (len(LATENCY_FIELDS) + 2) + "</tr>",
            ((reverse("admin:analytics_callanalytics_change", args=[r["id"]]), *[r[f] for f in LATENCY_FIELDS],
              r["model_used"], r["tokens_used"], r["turns_count"]) for r in rows),
        )
        metrics = reverse("admin:analytics_detailedmetric_changelist") + f"?q={obj.call_sid}"
        return format_html('<table><tr>{}</tr>{}</table><p><a href="{}">Detailed metrics of this call</a></p>',
                           format_html("<th>row</th>{}", header), body, metrics)


@admin.register(CallTranscript)
class CallTranscriptAdmin(TimeSeriesAdmin):
    time_field = "created_at"
    list_display = ("call_sid", "created_at", "language_detected", "word_count", "speaker_count", "confidence_score",
                    "redacted")
    list_filter = ("redacted", "language_detected")
    search_fields = ("call_sid__exact",)
    search_help_text = "An exact call SID."
    fieldsets = (
        (None, {"fields": ("call", "call_sid", "language_detected", "confidence_score", "processing_time_ms")}),
        ("Content", {"fields": ("summary", "key_topics", "full_text", "turns", "word_count", "speaker_count")}),
        ("Privacy", {"fields": ("redacted", "redacted_at", "redacted_by", "pii_detected")}),
    )
    actions = ("redact_selected",)
    REDACT_LIMIT = 100  # per action (~0.1 s each); the redact_transcripts command does periods of any size

    def has_redact_permission(self, request):
        return request.user.has_perm("analytics.redact_calltranscript")

    @admin.action(description="Redact PII in selected transcripts", permissions=["redact"])
    def redact_selected(self, request, queryset):
        ids = list(queryset.order_by().values_list("pk", flat=True)[: self.REDACT_LIMIT + 1])
        if len(ids) > self.REDACT_LIMIT:
            self.message_user(request, f"Select at most {self.REDACT_LIMIT} transcripts (use the redact_transcripts "
                                       "command for a whole period).", messages.ERROR)
            return
        done = found = 0
        for transcript in CallTranscript.objects.filter(pk__in=ids, redacted=False):
            transcript = transcript_redact(transcript=transcript, actor=request.user, request=request, trigger="admin")
            done += 1
            found += transcript.pii_detected.get("total", 0)
        skipped = len(ids) - done
        self.message_user(request, f"Redacted {done} transcript(s), {found} finding(s) replaced"
                                   + (f"; {skipped} already redacted." if skipped else "."), messages.SUCCESS)


@admin.register(CallAnalytics)
class CallAnalyticsAdmin(TimeSeriesAdmin):
    time_field = "created_at"
    list_display = ("call_sid", "created_at", "tenant", "agent", "total_latency_ms", "stt_latency_ms",
                    "llm_first_token_ms", "tts_first_audio_ms", "model_used", "tokens_used")
    list_select_related = ("tenant", "agent")
    list_filter = ("model_used", "tenant")
    search_fields = ("call_sid__exact",)
    search_help_text = "An exact call SID."
    fieldsets = (
        (None, {"fields": ("call_sid", "organization", "tenant", "agent", "agent_version", "phone_number")}),
        ("Latency (ms)", {"fields": LATENCY_FIELDS}),
        ("Conversation", {"fields": ("turns_count", "interruptions_count", "tokens_used", "model_used",
                                     "voice_model_used")}),
        ("Tools and edge", {"fields": ("tool_calls_count", "successful_tool_calls", "failed_tool_calls",
                                       "edge_cache_hits", "edge_cache_misses", "automation_usage",
                                       "performance_metrics")}),
    )


@admin.register(DetailedMetric)
class DetailedMetricAdmin(UUIDNamesMixin, TimeSeriesAdmin):
    uuid_names = {"tenant_id": "accounts.Tenant", "agent_id": "agents.Agent"}
    list_display = ("timestamp", "metric_type", "metric_name", "metric_value", "metric_unit", "call_sid", "tenant",
                    "agent")
    list_filter = ("metric_type", uuid_choice_filter("tenant_id", "accounts.Tenant", "tenant"))
    search_fields = ("call_sid__exact", "metric_name__exact")
    search_help_text = "An exact call SID or metric name."
    readonly_fields = ("tenant", "agent")
    fieldsets = (
        (None, {"fields": ("timestamp", "metric_type", "metric_name", "metric_value", "metric_unit")}),
        ("Call", {"fields": ("call_sid", "organization_id", "tenant_id", "tenant", "agent_id", "agent",
                             "agent_version_id", "phone_number_id")}),
        ("Edge", {"fields": ("edge_region", "aws_region", "metadata")}),
    )

    @admin.display(description="tenant")
    def tenant(self, obj):
        return self.uuid_name(obj, "tenant_id")

    @admin.display(description="agent")
    def agent(self, obj):
        return self.uuid_name(obj, "agent_id") if obj.agent_id else "—"
