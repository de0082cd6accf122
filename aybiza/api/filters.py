"""FilterSet base: explicit fields, plus `q`, a case-insensitive search over `search_fields`."""

from functools import reduce
from operator import or_

import django_filters
from django.db.models import Q


class SearchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", max_length=200)
    search_fields: tuple[str, ...] = ()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value or not self.search_fields:
            return queryset
        return queryset.filter(reduce(or_, (Q(**{f"{field}__icontains": value}) for field in self.search_fields)))


class TimeRangeFilterSet(SearchFilterSet):
    """`since` / `until` on the resource's time column (`time_field`)."""

    time_field = "timestamp"
    since = django_filters.IsoDateTimeFilter(method="filter_since", label="At or after (ISO 8601)")
    until = django_filters.IsoDateTimeFilter(method="filter_until", label="Before (ISO 8601)")

    def filter_since(self, queryset, name, value):
        return queryset.filter(**{f"{self.time_field}__gte": value})

    def filter_until(self, queryset, name, value):
        return queryset.filter(**{f"{self.time_field}__lt": value})
