"""FilterSets of the telephony API (explicit fields, `q` search)."""

import django_filters

from aybiza.api.filters import SearchFilterSet, TimeRangeFilterSet

from .choices import (
    AcquisitionMethod, HealthStatus, PhoneNumberStatus, PortingRequestStatus, ProbeOutcome,
    ReservationAcquisitionMethod, ReservationStatus, SipTrunkStatus,
)
from .models import (
    PhoneNumber, PhoneNumberHealthPeriod, PhoneNumberReservation, PortingRequest, SipTrunk, SipTrunkHealthCheck,
)


class PhoneNumberFilterSet(SearchFilterSet):
    search_fields = ("number", "formatted_number", "provider")
    status = django_filters.MultipleChoiceFilter(choices=PhoneNumberStatus.choices)
    acquisition_method = django_filters.ChoiceFilter(choices=AcquisitionMethod.choices)
    health_status = django_filters.ChoiceFilter(choices=HealthStatus.choices)
    agent_id = django_filters.UUIDFilter()
    tenant_id = django_filters.UUIDFilter()
    country_code = django_filters.CharFilter(max_length=3)
    area_code = django_filters.CharFilter(max_length=10)
    region = django_filters.CharFilter(max_length=50)

    class Meta:
        model = PhoneNumber
        fields = ["q", "status", "acquisition_method", "health_status", "agent_id", "tenant_id", "country_code",
                  "area_code", "region"]


class PhoneNumberReservationFilterSet(SearchFilterSet):
    search_fields = ("requested_country", "requested_area_code", "selected_number")
    status = django_filters.MultipleChoiceFilter(choices=ReservationStatus.choices)
    acquisition_method = django_filters.ChoiceFilter(choices=ReservationAcquisitionMethod.choices)
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = PhoneNumberReservation
        fields = ["q", "status", "acquisition_method", "tenant_id"]


class PortingRequestFilterSet(SearchFilterSet):
    search_fields = ("phone_number", "current_provider")
    status = django_filters.MultipleChoiceFilter(choices=PortingRequestStatus.choices)
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = PortingRequest
        fields = ["q", "status", "tenant_id"]


class SipTrunkFilterSet(SearchFilterSet):
    search_fields = ("name", "provider_name", "termination_uri")
    status = django_filters.MultipleChoiceFilter(choices=SipTrunkStatus.choices)
    health_status = django_filters.ChoiceFilter(choices=HealthStatus.choices)
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = SipTrunk
        fields = ["q", "status", "health_status", "tenant_id"]


class SipTrunkHealthCheckFilterSet(TimeRangeFilterSet):
    time_field = "checked_at"
    search_fields = ("reason",)
    sip_trunk_id = django_filters.UUIDFilter()
    tenant_id = django_filters.UUIDFilter()
    health_status = django_filters.MultipleChoiceFilter(choices=HealthStatus.choices)
    outcome = django_filters.MultipleChoiceFilter(choices=ProbeOutcome.choices)

    class Meta:
        model = SipTrunkHealthCheck
        fields = ["q", "since", "until", "sip_trunk_id", "tenant_id", "health_status", "outcome"]


class PhoneNumberHealthPeriodFilterSet(TimeRangeFilterSet):
    time_field = "last_checked_at"
    search_fields = ("reason",)
    phone_number_id = django_filters.UUIDFilter()
    tenant_id = django_filters.UUIDFilter()
    health_status = django_filters.MultipleChoiceFilter(choices=HealthStatus.choices)

    class Meta:
        model = PhoneNumberHealthPeriod
        fields = ["q", "since", "until", "phone_number_id", "tenant_id", "health_status"]
