import io

from django.db.models import Avg, F, Sum
from django.db.models.functions import Trunc
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from aybiza.api.replicas import ReplicaReadsMixin
from aybiza.core import csv_export
from aybiza.api.scoping import scoped
from aybiza.api.viewsets import CreateReadUpdateViewSet, CreateReadViewSet, GenericViewSet, ReadOnlyViewSet, TimeSeriesMixin

from ..filtersets import (
    CallAnalyticsFilterSet, CallFilterSet, CallTranscriptFilterSet, DetailedMetricFilterSet, UsageFilterSet,
)
from ..models import Call, CallAnalytics, CallAnalyticsHourly, CallTranscript, DetailedMetric, PerformanceMetricsHourly
from ..services.redaction import transcript_redact
from ..services import ingestion
from .serializers import (
    CALL_FIELDS, CallAnalyticsSerializer, CallSerializer, CallTranscriptSerializer, DetailedMetricSerializer,
    MetricBulkResultSerializer, MetricBulkSerializer, UsageSerializer,
)

EXPORT_LIMIT = 100_000


class CallViewSet(ReplicaReadsMixin, TimeSeriesMixin, CreateReadUpdateViewSet):
    """Calls. The voice platform creates them and moves them through their lifecycle (status transitions
    are validated: initiated -> ringing -> answered -> completed, or a failure state)."""

    scope = "calls"
    queryset = Call.objects.all()
    serializer_class = CallSerializer
    filterset_class = CallFilterSet
    ordering_fields = ("start_time",)
    ordering = ("-start_time",)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        tenant = self.tenant_object(data)
        serializer.instance = ingestion.call_create(tenant=tenant, **self.service_kwargs(), **data)

    def perform_update(self, serializer):
        serializer.instance = ingestion.call_update(call=serializer.instance, changes=dict(serializer.validated_data),
                                                 **self.service_kwargs())

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, one call a row")})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered calls as CSV (at most 100,000 rows; narrow with since/until)."""
        return self.read_on_replica(self._export, request)

    def _export(self, request):
        queryset = self.filter_queryset(self.get_queryset()).order_by("-start_time")
        columns = [c for c in CALL_FIELDS if c not in ("organization", "tenant", "agent", "agent_version", "phone_number")]
        columns += ["organization_id", "tenant_id", "agent_id", "agent_version_id", "phone_number_id"]
        out = io.StringIO()
        writer = csv_export.writer(out)  # spreadsheet formulas neutralised
        writer.writerow(columns)
        for row in queryset.values_list(*columns)[:EXPORT_LIMIT].iterator(chunk_size=2000):
            writer.writerow(["" if v is None else v for v in row])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="calls.csv"'
        return response

    @extend_schema(responses=CallTranscriptSerializer)
    @action(detail=True, methods=["get"])
    def transcript(self, request, pk=None):
        """The call's latest transcript (attach one with POST /call-transcripts/)."""
        call = self.get_object()
        transcript = CallTranscript.objects.filter(call=call).order_by("-created_at").first()
        if transcript is None:
            raise exceptions.NotFound("This call has no transcript.")
        return Response(CallTranscriptSerializer(transcript, context=self.get_serializer_context()).data)

    @extend_schema(responses=CallAnalyticsSerializer)
    @action(detail=True, methods=["get"])
    def analytics(self, request, pk=None):
        """The call's latest analytics (attach with POST /call-analytics/)."""
        call = self.get_object()
        row = scoped(CallAnalytics.objects.filter(call_sid=call.call_sid), self.principal).order_by("-created_at").first()
        if row is None:
            raise exceptions.NotFound("This call has no analytics.")
        return Response(CallAnalyticsSerializer(row, context=self.get_serializer_context()).data)

    @extend_schema(responses=DetailedMetricSerializer(many=True))
    @action(detail=True, methods=["get"])
    def metrics(self, request, pk=None):
        """The call's detailed metrics, oldest first (at most 10,000; use /call-metrics/ to page)."""
        call = self.get_object()
        rows = scoped(DetailedMetric.objects.filter(call_sid=call.call_sid), self.principal).order_by("timestamp")
        return Response(DetailedMetricSerializer(rows[:10_000], many=True).data)


class CallTranscriptViewSet(CreateReadViewSet):
    """Transcripts attached to calls."""

    scope = "calls"
    queryset = CallTranscript.objects.all()
    serializer_class = CallTranscriptSerializer
    filterset_class = CallTranscriptFilterSet
    ordering_fields = ("created_at",)
    ordering = ("-created_at", "id")
    # The audit row says what was attached, never what was said (personal data stays in one place).
    audit_fields = ("call", "word_count", "speaker_count", "language_detected", "confidence_score")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = ingestion.transcript_create(**data, **self.service_kwargs())

    @extend_schema(request=None, responses=CallTranscriptSerializer)
    @action(detail=True, methods=["post"])
    def redact(self, request, pk=None):
        """Replace the PII in this transcript by placeholders ([PHONE_NUMBER], ...); `pii_detected` says what
        was found (types, counts, positions; never values). Idempotent: a redacted transcript is unchanged."""
        transcript = transcript_redact(transcript=self.get_object(), trigger="api", **self.service_kwargs())
        return Response(self.get_serializer(transcript).data)


class CallAnalyticsViewSet(ReplicaReadsMixin, TimeSeriesMixin, CreateReadViewSet):
    """Per-call analytics (latencies, turns, tool calls) reported by the voice platform."""

    scope = "calls"
    queryset = CallAnalytics.objects.all()
    serializer_class = CallAnalyticsSerializer
    filterset_class = CallAnalyticsFilterSet
    ordering_fields = ("created_at",)
    ordering = ("-created_at",)

    def owner_kwargs(self, validated_data):
        call = validated_data.pop("call")
        return {"call_sid": call.call_sid, "organization_id": call.organization_id, "tenant_id": call.tenant_id,
                "agent_id": call.agent_id, "agent_version_id": call.agent_version_id,
                "phone_number_id": call.phone_number_id}


class DetailedMetricViewSet(ReplicaReadsMixin, TimeSeriesMixin, ReadOnlyViewSet):
    """Detailed per-call metrics (a hypertable). Write them in bulk with POST /call-metrics/bulk/."""

    scope = "calls"
    queryset = DetailedMetric.objects.all()
    serializer_class = DetailedMetricSerializer
    filterset_class = DetailedMetricFilterSet
    ordering_fields = ("timestamp",)
    ordering = ("-timestamp",)

    @extend_schema(request=MetricBulkSerializer, responses={201: MetricBulkResultSerializer})
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Up to 10,000 metrics in one request, written with COPY; one bad row refuses the batch."""
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"metrics": ["Send an object with a `metrics` list."]})
        rows = request.data.get("metrics")
        default_sid = request.data.get("call_sid")
        if default_sid is not None and (not isinstance(default_sid, str) or len(default_sid) > 255):
            raise exceptions.ValidationError({"call_sid": ["A string of at most 255 characters."]})
        if default_sid is not None and isinstance(rows, list):
            for row in rows:
                if isinstance(row, dict):
                    row.setdefault("call_sid", default_sid)
        count = ingestion.metrics_ingest(rows=rows, call_queryset=scoped(Call.objects.all(), self.principal),
                                      **self.service_kwargs())
        return Response({"created": count}, status=201)

    def get_serializer_class(self):
        return MetricBulkSerializer if self.action == "bulk" else super().get_serializer_class()


class UsageQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=["hour", "day", "month"], default="day")
    group_by = serializers.ChoiceField(choices=["none", "agent"], default="none")


class UsageViewSet(ReplicaReadsMixin, GenericViewSet):
    """Usage from the hourly rollups: calls, minutes, cost and latency per period (and agent)."""

    scope = "usage"
    queryset = CallAnalyticsHourly.objects.all()
    serializer_class = UsageSerializer
    filterset_class = UsageFilterSet
    pagination_class = None
    MAX_ROWS = 5000

    @extend_schema(parameters=[
        OpenApiParameter("period", enum=["hour", "day", "month"], default="day"),
        OpenApiParameter("group_by", enum=["none", "agent"], default="none"),
    ], responses=UsageSerializer(many=True))
    def list(self, request):
        return self.read_on_replica(self._usage, request)

    def _usage(self, request):
        query = UsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period, by_agent = query.validated_data["period"], query.validated_data["group_by"] == "agent"
        keys = ["period_start"] + (["agent_id"] if by_agent else [])
        calls = (
            self.filter_queryset(self.get_queryset()).order_by()
            .annotate(period_start=Trunc("hour", period)).values(*keys)
            .annotate(calls=Sum("total_calls"), successful_calls=Sum("successful_calls"),
                      seconds=Sum(F("avg_duration") * F("total_calls")), cost_usd=Sum("total_cost"),
                      avg_quality=Avg("avg_quality"))
            .order_by(*keys)[: self.MAX_ROWS]
        )
        latency = self._latency(period)
        rows = [{
            "period_start": row["period_start"], "agent_id": row.get("agent_id"), "calls": row["calls"] or 0,
            "successful_calls": row["successful_calls"] or 0, "minutes": round((row["seconds"] or 0) / 60, 2),
            "cost_usd": row["cost_usd"] or 0, "avg_quality": row["avg_quality"],
            "avg_latency_ms": latency.get(row["period_start"]),
        } for row in calls]
        return Response(UsageSerializer(rows, many=True).data)

    def _latency(self, period) -> dict:
        """Weighted mean of the latency metrics per period (the rollup has no agent: per period only)."""
        filters = UsageFilterSet(self.request.query_params, queryset=CallAnalyticsHourly.objects.none())
        data = filters.form.cleaned_data if filters.is_valid() else {}
        queryset = scoped(PerformanceMetricsHourly.objects.all(), self.principal).order_by()
        for name, lookup in (("since", "hour__gte"), ("until", "hour__lt"), ("tenant_id", "tenant_id")):
            if data.get(name):
                queryset = queryset.filter(**{lookup: data[name]})
        rows = (queryset.annotate(period_start=Trunc("hour", period)).values("period_start")
                .annotate(total=Sum(F("avg_value") * F("sample_count")), samples=Sum("sample_count")))
        return {r["period_start"]: (r["total"] / r["samples"] if r["samples"] else None) for r in rows}
