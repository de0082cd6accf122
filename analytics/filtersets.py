"""FilterSets of the analytics API (explicit fields, `q` search, time ranges)."""

import django_filters

from aybiza.api.filters import SearchFilterSet, TimeRangeFilterSet

from .choices import CallDirection, CallStatus, MetricType
from .models import CallAnalytics, CallAnalyticsHourly, CallTranscript, Call, DetailedMetric


class CallFilterSet(TimeRangeFilterSet):
    time_field = "start_time"
    search_fields = ("call_sid", "from_number", "to_number")
    status = django_filters.MultipleChoiceFilter(choices=CallStatus.choices)
    direction = django_filters.ChoiceFilter(choices=CallDirection.choices)
    agent_id = django_filters.UUIDFilter()
    agent_version_id = django_filters.UUIDFilter()
    phone_number_id = django_filters.UUIDFilter()
    number = django_filters.CharFilter(method="filter_number", max_length=20,
                                       label="A number the call was from or to (E.164)")
    tenant_id = django_filters.UUIDFilter()
    call_sid = django_filters.CharFilter(max_length=255)
    min_duration = django_filters.NumberFilter(field_name="duration_seconds", lookup_expr="gte")

    class Meta:
        model = Call
        fields = ["q", "since", "until", "status", "direction", "agent_id", "agent_version_id", "phone_number_id",
                  "number", "tenant_id", "call_sid", "min_duration"]

    def filter_number(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(from_number=value) | Q(to_number=value))


class CallTranscriptFilterSet(SearchFilterSet):
    search_fields = ("full_text", "summary")
    call_id = django_filters.UUIDFilter()
    call_sid = django_filters.CharFilter(max_length=255)
    language_detected = django_filters.CharFilter(max_length=10)
    redacted = django_filters.BooleanFilter()

    class Meta:
        model = CallTranscript
        fields = ["q", "call_id", "call_sid", "language_detected", "redacted"]


class CallAnalyticsFilterSet(TimeRangeFilterSet):
    time_field = "created_at"
    search_fields = ("call_sid", "model_used")
    call_sid = django_filters.CharFilter(max_length=255)
    agent_id = django_filters.UUIDFilter()
    model_used = django_filters.CharFilter(max_length=100)
    min_total_latency_ms = django_filters.NumberFilter(field_name="total_latency_ms", lookup_expr="gte")
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = CallAnalytics
        fields = ["q", "since", "until", "call_sid", "agent_id", "model_used", "min_total_latency_ms", "tenant_id"]


class DetailedMetricFilterSet(TimeRangeFilterSet):
    search_fields = ("metric_name",)
    call_sid = django_filters.CharFilter(max_length=255)
    metric_type = django_filters.MultipleChoiceFilter(choices=MetricType.choices)
    metric_name = django_filters.CharFilter(max_length=100)
    agent_id = django_filters.UUIDFilter()
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = DetailedMetric
        fields = ["q", "since", "until", "call_sid", "metric_type", "metric_name", "agent_id", "tenant_id"]


class UsageFilterSet(TimeRangeFilterSet):
    time_field = "hour"
    agent_id = django_filters.UUIDFilter()
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = CallAnalyticsHourly
        fields = ["since", "until", "agent_id", "tenant_id"]
