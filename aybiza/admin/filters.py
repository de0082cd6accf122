"""List filters that stay cheap on tables with millions of rows."""

from datetime import timedelta

from django.apps import apps
from django.contrib import admin
from django.utils import timezone

PERIODS = {
    "24h": ("Last 24 hours", timedelta(hours=24)),
    "7d": ("Last 7 days", timedelta(days=7)),
    "30d": ("Last 30 days", timedelta(days=30)),
    "90d": ("Last 90 days", timedelta(days=90)),
    "all": ("Any time", None),
}


def recent_period_filter(field_name: str, default: str = "7d", title: str = "period"):
    """A filter on `field_name` defaulting to a recent window (7 days).

    A search (`q`) without an explicit period looks at all time, so a call
    found by its call_sid is found whatever its age; unless the ModelAdmin's
    `search_all_time(term)` says the term is not an indexed lookup.
    """

    class RecentPeriodFilter(admin.SimpleListFilter):
        parameter_name = "period"

        def __init__(self, request, params, model, model_admin):
            self.title = title
            term = (request.GET.get("q") or "").strip()
            self.searching = bool(term) and getattr(model_admin, "search_all_time", lambda t: True)(term)
            super().__init__(request, params, model, model_admin)

        def lookups(self, request, model_admin):
            return [(key, label) for key, (label, _) in PERIODS.items()]

        def effective_value(self):
            value = self.value()
            if value in PERIODS:
                return value
            return "all" if self.searching else default

        def queryset(self, request, queryset):
            delta = PERIODS[self.effective_value()][1]
            if delta is None:
                return queryset
            return queryset.filter(**{f"{field_name}__gte": timezone.now() - delta})

        def choices(self, changelist):
            current = self.effective_value()
            for key, label in self.lookups(None, None):
                yield {
                    "selected": current == key,
                    "query_string": changelist.get_query_string({self.parameter_name: key}),
                    "display": label,
                }

    RecentPeriodFilter.__name__ = f"RecentPeriodFilter_{field_name}"
    return RecentPeriodFilter


def uuid_choice_filter(field_name: str, model_label: str, title: str):
    """A filter on a plain UUID column (no FK) listing the related rows by name."""

    class UUIDChoiceFilter(admin.SimpleListFilter):
        parameter_name = field_name

        def __init__(self, request, params, model, model_admin):
            self.title = title
            super().__init__(request, params, model, model_admin)

        def lookups(self, request, model_admin):
            related = apps.get_model(model_label)
            return [(str(pk), name) for pk, name in related.objects.order_by("name").values_list("pk", "name")]

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{field_name: self.value()})
            return queryset

    UUIDChoiceFilter.__name__ = f"UUIDChoiceFilter_{field_name}"
    return UUIDChoiceFilter
