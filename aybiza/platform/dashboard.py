"""The admin index dashboard: charts from the rollups, rendered server-side as SVG (pygal, no JS, no CDN).

Reads only the rollup models (CallAnalyticsHourly, PerformanceMetricsHourly,
SecurityEventsDaily), never the raw tables: each chart is one aggregate query
over at most (hours x tenants) rows, whatever the size of `calls`.
"""

from dataclasses import dataclass
from datetime import timedelta

import pygal
from django.db.models import F, FloatField, Sum
from django.db.models.functions import Cast, TruncDay
from django.utils import timezone
from django.utils.safestring import mark_safe
from pygal.style import Style

from accounts.models import Tenant
from analytics.models import CallAnalyticsHourly, PerformanceMetricsHourly
from security_app.models import SecurityEventsDaily

PERIODS = {"24h": ("Last 24 hours", timedelta(hours=24)), "7d": ("Last 7 days", timedelta(days=7)),
           "30d": ("Last 30 days", timedelta(days=30)), "90d": ("Last 90 days", timedelta(days=90))}
DEFAULT_PERIOD = "7d"
TOP_TENANTS = 12
PREFERRED_LATENCY_METRIC = "turn_latency"

STYLE = Style(
    background="transparent", plot_background="transparent", foreground="#333", foreground_strong="#222",
    foreground_subtle="#888", colors=("#417690", "#79aec8", "#e0b040", "#ba2121", "#5b8c5a", "#8c6bb1"),
    font_family="-apple-system, 'Segoe UI', system-ui, Roboto, sans-serif", title_font_size=14,
    label_font_size=10, major_label_font_size=10, legend_font_size=11,
)
SEVERITY_COLORS = {"low": "#79aec8", "medium": "#e0b040", "high": "#d2691e", "critical": "#ba2121"}


@dataclass
class Chart:
    title: str
    svg: str
    empty: bool


def _config(**kwargs):
    return {
        "style": STYLE, "js": [], "disable_xml_declaration": True, "explicit_size": False, "width": 760,
        "height": 300, "show_legend": True, "legend_at_bottom": True, "legend_at_bottom_columns": 4,
        "x_label_rotation": 30, "truncate_label": 22, "print_values": False,
        "no_data_text": "No data in this period", **kwargs,
    }


def _svg(chart) -> str:
    return mark_safe(chart.render(is_unicode=True))


def build_dashboard(request) -> dict:
    period = request.GET.get("period") if request.GET.get("period") in PERIODS else DEFAULT_PERIOD
    since = timezone.now() - PERIODS[period][1]
    tenants = list(Tenant.objects.order_by("name").values_list("pk", "name"))
    names = {pk: name for pk, name in tenants}
    tenant_id = request.GET.get("tenant") or ""
    tenant_id = tenant_id if any(str(pk) == tenant_id for pk in names) else ""
    daily = PERIODS[period][1] > timedelta(days=7)

    calls = CallAnalyticsHourly.objects.filter(hour__gte=since)
    metrics = PerformanceMetricsHourly.objects.filter(hour__gte=since)
    events = SecurityEventsDaily.objects.filter(day__gte=since - timedelta(days=1))
    if tenant_id:
        calls, metrics, events = (qs.filter(tenant_id=tenant_id) for qs in (calls, metrics, events))

    charts = [
        _calls_over_time(calls, daily),
        _latency_per_tenant(metrics, names, request.GET.get("metric")),
        _cost_per_tenant(calls, names),
        _security_events(events),
    ]
    return {
        "charts": charts, "periods": [(k, v[0]) for k, v in PERIODS.items()], "period": period,
        "tenants": [(str(pk), name) for pk, name in tenants], "tenant": tenant_id,
        "tenant_name": names.get(next((pk for pk in names if str(pk) == tenant_id), None), "all tenants"),
    }


def _calls_over_time(calls, daily: bool) -> Chart:
    if daily:
        rows = (calls.annotate(bucket=TruncDay("hour")).values("bucket")
                .annotate(total=Sum("total_calls"), ok=Sum("successful_calls")).order_by("bucket"))
    else:
        rows = calls.values(bucket=F("hour")).annotate(total=Sum("total_calls"), ok=Sum("successful_calls")) \
            .order_by("bucket")
    rows = list(rows)
    fmt = "%m-%d" if daily else "%m-%d %H:00"
    stacked = pygal.StackedBar(**_config(title=f"Calls per {'day' if daily else 'hour'}",
                                         x_labels_major_every=max(1, len(rows) // 12), show_minor_x_labels=False))
    stacked.x_labels = [r["bucket"].strftime(fmt) for r in rows]
    stacked.add("successful", [int(r["ok"] or 0) for r in rows])
    stacked.add("other outcomes", [int((r["total"] or 0) - (r["ok"] or 0)) for r in rows])
    return Chart(stacked.config.title, _svg(stacked), not rows)


def _latency_per_tenant(metrics, names, wanted) -> Chart:
    available = sorted(set(metrics.values_list("metric_name", flat=True).distinct()))
    metric = wanted if wanted in available else (PREFERRED_LATENCY_METRIC if PREFERRED_LATENCY_METRIC in available
                                                 else (available[0] if available else None))
    rows = []
    if metric:
        rows = list(
            metrics.filter(metric_name=metric).values("tenant_id")
            .annotate(weighted=Sum(Cast("avg_value", FloatField()) * F("sample_count")), samples=Sum("sample_count"))
            .order_by("-samples")[:TOP_TENANTS]
        )
    chart = pygal.HorizontalBar(**_config(title=f"Average {metric or 'latency'} per tenant (ms)", show_legend=False))
    rows.sort(key=lambda r: r["weighted"] / r["samples"] if r["samples"] else 0)
    chart.x_labels = [names.get(r["tenant_id"], str(r["tenant_id"])[:8]) for r in rows]
    chart.add("avg ms", [round(r["weighted"] / r["samples"], 1) if r["samples"] else None for r in rows])
    return Chart(chart.config.title, _svg(chart), not rows)


def _cost_per_tenant(calls, names) -> Chart:
    rows = list(calls.values("tenant_id").annotate(cost=Sum("total_cost"), total=Sum("total_calls"))
                .order_by("-cost")[:TOP_TENANTS])
    chart = pygal.HorizontalBar(**_config(title="Cost per tenant (USD)", show_legend=False))
    rows.reverse()
    chart.x_labels = [names.get(r["tenant_id"], str(r["tenant_id"])[:8]) for r in rows]
    chart.add("USD", [round(float(r["cost"] or 0), 2) for r in rows])
    return Chart(chart.config.title, _svg(chart), not rows)


def _security_events(events) -> Chart:
    rows = list(events.values("day", "severity").annotate(n=Sum("event_count")).order_by("day"))
    days = sorted({r["day"] for r in rows})
    severities = [s for s in SEVERITY_COLORS if any(r["severity"] == s for r in rows)]
    style = Style(**{**{k: getattr(STYLE, k) for k in ("background", "plot_background", "foreground",
                                                        "foreground_strong", "foreground_subtle", "font_family")},
                     "colors": tuple(SEVERITY_COLORS[s] for s in severities) or STYLE.colors})
    config = _config(title="Security events per day, by severity")
    config["style"] = style
    chart = pygal.StackedBar(**config)
    chart.x_labels = [d.strftime("%m-%d") for d in days]
    counts = {(r["day"], r["severity"]): int(r["n"] or 0) for r in rows}
    for severity in severities:
        chart.add(severity, [counts.get((d, severity), 0) for d in days])
    return Chart(chart.config.title, _svg(chart), not rows)
