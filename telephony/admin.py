"""Ops console: phone numbers and SIP trunks (created through their services, so tenant limits apply),
number reservations and number porting (approval flows)."""

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from aybiza.admin.base import OpsModelAdmin, OrganizationFromTenantMixin, ServiceCreateMixin, TimeSeriesAdmin
from aybiza.admin.flows import Flow, FlowAdminMixin, FlowForm, ReasonForm
from aybiza.admin.forms import JSONEditorField

from .models import (
    PhoneNumber, PhoneNumberHealthPeriod, PhoneNumberReservation, PortingRequest, SipTrunk, SipTrunkHealthCheck,
)
from .services import (
    PORTING, RESERVATION, parse_number, phone_number_capacity_check, phone_number_create, porting_request_approve,
    porting_request_cancel, porting_request_complete, porting_request_reject, porting_request_start,
    porting_request_submit, reservation_complete, reservation_expire, reservation_offer, reservation_reserve,
    sip_trunk_capacity_check, sip_trunk_create,
)

PORTING_PERMISSION = "telephony.approve_portingrequest"
RESERVATION_PERMISSION = "telephony.manage_phonenumberreservation"


# --- phone numbers and trunks ---------------------------------------------------------------------------------

@admin.register(PhoneNumber)
class PhoneNumberAdmin(ServiceCreateMixin, OpsModelAdmin):
    create_service = staticmethod(phone_number_create)
    create_check = staticmethod(phone_number_capacity_check)
    list_display = ("number", "formatted_number", "tenant", "agent", "status", "acquisition_method", "provider",
                    "region", "health_status", "monthly_cost")
    list_select_related = ("tenant", "agent")
    list_filter = ("status", "acquisition_method", "health_status", "region", "compliance_verified", "created_at")
    search_fields = ("number", "formatted_number", "local_number", "provider_id", "tenant__name", "agent__name")
    readonly_fields = ("organization", "formatted_number", "country_code", "area_code", "local_number",
                       "health_status", "last_health_check", "health_reason")
    fieldsets = (
        (None, {"fields": ("number", "formatted_number", "country_code", "area_code", "local_number", "status")}),
        ("Ownership", {"fields": ("organization", "tenant", "agent")}),
        ("Provider", {"fields": ("acquisition_method", "provider", "provider_id", "region", "capabilities")}),
        ("Cost", {"fields": ("monthly_cost", "setup_cost", "currency")}),
        ("Compliance", {"fields": ("compliance_verified", "compliance_documents", "emergency_services_enabled")}),
        ("Health", {"fields": ("health_status", "last_health_check", "health_reason"),
                    "description": "Measured by manage.py check_health (its trunk and recent calls)."}),
        ("Settings", {"fields": ("settings",)}),
    )

    @admin.display(description="health reason")
    def health_reason(self, obj):
        period = obj.health_periods.order_by("-since", "-id").first() if obj.pk else None
        if period is None:
            return "Not checked yet."
        history = reverse("admin:telephony_phonenumberhealthperiod_changelist")
        return format_html('{} <a href="{}?phone_number__id__exact={}&amp;period=all">history</a>', period.reason,
                           history, obj.pk)
    add_fieldsets = (
        (None, {"fields": ("tenant", "number", "status"),
                "description": "Any format; stored as E.164 with its parts filled in."}),
        ("Provider", {"fields": ("acquisition_method", "provider", "provider_id", "region", "capabilities", "agent")}),
        ("Cost", {"fields": ("monthly_cost", "setup_cost", "currency")}),
    )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None and "region" in form.base_fields:
            form.base_fields["region"].required = False
            form.base_fields["region"].help_text = "Blank: the organization's data residency region."
        return form

    def precheck(self, tenant, cleaned_data):
        if cleaned_data.get("number"):
            parse_number(cleaned_data["number"])
        super().precheck(tenant, cleaned_data)


@admin.register(SipTrunk)
class SipTrunkAdmin(ServiceCreateMixin, OpsModelAdmin):
    create_service = staticmethod(sip_trunk_create)
    create_check = staticmethod(sip_trunk_capacity_check)
    list_display = ("name", "tenant", "provider_name", "termination_uri", "authentication_method", "status",
                    "health_status", "last_health_check", "last_rtt", "max_concurrent_calls")
    list_select_related = ("tenant",)
    list_filter = ("status", "authentication_method", "health_status", "created_at", "last_health_check")
    search_fields = ("name", "provider_name", "termination_uri", "tenant__name")
    readonly_fields = ("organization", "health_status", "last_health_check", "latest_check", "recent_health_checks")
    fieldsets = (
        (None, {"fields": ("name", "organization", "tenant", "status", "provider_name")}),
        ("Routing", {"fields": ("termination_uri", "origination_uris", "codec_preferences", "max_concurrent_calls")}),
        ("Authentication", {"fields": ("authentication_method", "credentials", "ip_access_control_list")}),
        ("Health", {"fields": ("health_status", "last_health_check", "latest_check", "recent_health_checks"),
                    "description": "SIP OPTIONS probes by manage.py check_health (docs/operations.md)."}),
        ("Settings", {"fields": ("settings",)}),
    )
    recent_checks_shown = 20

    def get_queryset(self, request):
        latest = SipTrunkHealthCheck.objects.filter(sip_trunk=OuterRef("pk")).order_by("-checked_at", "-id")
        return super().get_queryset(request).annotate(last_rtt_ms=Subquery(latest.values("rtt_ms")[:1]))

    @admin.display(description="last RTT", ordering="last_rtt_ms")
    def last_rtt(self, obj):
        rtt = getattr(obj, "last_rtt_ms", None)
        return f"{rtt:.1f} ms" if rtt is not None else "—"

    def _recent(self, obj):
        if not obj or not obj.pk:
            return []
        if not hasattr(obj, "_recent_checks"):
            obj._recent_checks = list(obj.health_checks.order_by("-checked_at", "-id")[:self.recent_checks_shown])
        return obj._recent_checks

    @admin.display(description="latest check")
    def latest_check(self, obj):
        checks = self._recent(obj)
        if not checks:
            return "Not checked yet."
        c = checks[0]
        code = f"{c.status_code} {c.reason_phrase}".strip() if c.status_code else c.outcome
        rtt = f"{c.rtt_ms:.1f} ms" if c.rtt_ms is not None else "no answer"
        return f"{c.target}: {code}, {rtt}. {c.reason}"

    @admin.display(description="recent checks")
    def recent_health_checks(self, obj):
        checks = self._recent(obj)
        if not checks:
            return "—"
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((f"{c.checked_at:%Y-%m-%d %H:%M:%S}", c.health_status, c.outcome, c.status_code or "—",
              f"{c.rtt_ms:.1f}" if c.rtt_ms is not None else "—", c.reason) for c in checks))
        history = reverse("admin:telephony_siptrunkhealthcheck_changelist")
        return format_html(
            '<table><thead><tr><th>checked at</th><th>status</th><th>outcome</th><th>code</th><th>RTT ms</th>'
            '<th>reason</th></tr></thead><tbody>{}</tbody></table>'
            '<p><a href="{}?sip_trunk__id__exact={}&amp;period=all">All checks of this trunk</a></p>',
            rows, history, obj.pk)


# --- health history (read-only) ---------------------------------------------------------------------------

@admin.register(SipTrunkHealthCheck)
class SipTrunkHealthCheckAdmin(TimeSeriesAdmin):
    time_field = "checked_at"
    list_display = ("checked_at", "sip_trunk", "tenant", "health_status", "outcome", "status_code", "rtt_ms",
                    "consecutive_failures", "reason")
    list_select_related = ("sip_trunk", "tenant")
    list_filter = ("health_status", "previous_health_status", "outcome")
    search_fields = ("sip_trunk__name", "tenant__name", "target")
    fieldsets = (
        (None, {"fields": ("checked_at", "sip_trunk", "organization", "tenant", "target")}),
        ("Probe", {"fields": ("outcome", "status_code", "reason_phrase", "rtt_ms", "error")}),
        ("Health", {"fields": ("previous_health_status", "health_status", "reason", "consecutive_failures",
                               "consecutive_error_answers")}),
    )

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == "sip_trunk__id__exact" or super().lookup_allowed(lookup, value, request)


@admin.register(PhoneNumberHealthPeriod)
class PhoneNumberHealthPeriodAdmin(TimeSeriesAdmin):
    time_field = "last_checked_at"
    list_display = ("since", "last_checked_at", "phone_number", "tenant", "health_status", "previous_health_status",
                    "reason")
    list_select_related = ("phone_number", "tenant")
    list_filter = ("health_status", "previous_health_status")
    search_fields = ("phone_number__number", "tenant__name", "reason")
    fieldsets = (
        (None, {"fields": ("phone_number", "organization", "tenant", "sip_trunk")}),
        ("Health", {"fields": ("since", "last_checked_at", "previous_health_status", "health_status", "reason")}),
        ("Recent calls", {"fields": ("calls_total", "calls_failed", "calls_no_answer")}),
    )

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == "phone_number__id__exact" or super().lookup_allowed(lookup, value, request)
    add_fieldsets = (
        (None, {"fields": ("tenant", "name", "provider_name", "status")}),
        ("Routing", {"fields": ("termination_uri", "origination_uris", "codec_preferences", "max_concurrent_calls")}),
        ("Authentication", {"fields": ("authentication_method", "credentials", "ip_access_control_list")}),
    )


# --- reservations -----------------------------------------------------------------------------------------

class OfferForm(FlowForm):
    candidates = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False,
        help_text="Numbers from the carrier, one per line; blank: numbers are generated for the requested country/area.",
    )
    count = forms.IntegerField(min_value=1, max_value=50, initial=5)

    def service_kwargs(self):
        kwargs = {"count": self.cleaned_data["count"]}
        lines = [line.strip() for line in (self.cleaned_data.get("candidates") or "").splitlines() if line.strip()]
        if lines:
            kwargs["candidates"] = lines
        return kwargs


class ReserveForm(FlowForm):
    number = forms.ChoiceField(help_text="One of the numbers offered.")
    hold_minutes = forms.IntegerField(min_value=1, max_value=7 * 24 * 60, required=False,
                                      help_text="How long the number is held (default from settings).")

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        offered = list((obj.available_numbers or []) if obj is not None else [])
        self.fields["number"].choices = [(n, n) for n in offered if isinstance(n, str)]


class CompleteReservationForm(FlowForm):
    provider = forms.CharField(initial="aybiza", max_length=50)
    region = forms.CharField(required=False, max_length=50, help_text="Blank: the organization's data residency region.")


@admin.register(PhoneNumberReservation)
class PhoneNumberReservationAdmin(OrganizationFromTenantMixin, FlowAdminMixin, OpsModelAdmin):
    list_display = ("__str__", "tenant", "requested_country", "requested_area_code", "acquisition_method", "status",
                    "selected_number", "reservation_expires_at", "created_at")
    list_select_related = ("tenant",)
    list_filter = ("status", "acquisition_method", "created_at", "reservation_expires_at")
    search_fields = ("selected_number", "requested_area_code", "requested_country", "tenant__name")
    readonly_fields = ("organization", "status", "available_numbers", "selected_number", "reservation_expires_at")
    fieldsets = (
        (None, {"fields": ("organization", "tenant", "status")}),
        ("Request", {"fields": ("requested_country", "requested_area_code", "requested_region", "acquisition_method")}),
        ("Offer", {"fields": ("available_numbers", "selected_number", "reservation_expires_at"),
                   "description": "Filled by Offer / Reserve / Complete (buttons above)."}),
        ("Metadata", {"fields": ("metadata",)}),
    )
    flows = (
        Flow("offer", "Offer numbers", reservation_offer, "reservation",
             RESERVATION_PERMISSION, form=OfferForm, machine=RESERVATION, bulk=False),
        Flow("reserve", "Reserve a number", reservation_reserve, "reservation",
             RESERVATION_PERMISSION, form=ReserveForm, machine=RESERVATION),
        Flow("complete", "Complete (create the number)", reservation_complete,
             "reservation", RESERVATION_PERMISSION, form=CompleteReservationForm, machine=RESERVATION,
             bulk=False),
        Flow("expire", "Expire", reservation_expire, "reservation",
             RESERVATION_PERMISSION, machine=RESERVATION),
    )


# --- porting --------------------------------------------------------------------------------------------------

class PortingStepForm(FlowForm):
    estimated_completion = forms.SplitDateTimeField(required=False, widget=widgets.AdminSplitDateTime)
    provider_response = JSONEditorField(required=False, expected_type=dict,
                                        help_text="The provider's answer (merged into the stored one).")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PortingRejectForm(FlowForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Required; sent back and audited.")
    provider_response = JSONEditorField(required=False, expected_type=dict)


class PortingCompleteForm(FlowForm):
    actual_completion = forms.SplitDateTimeField(required=False, widget=widgets.AdminSplitDateTime,
                                                 help_text="Blank: now.")
    provider = forms.CharField(required=False, max_length=50, help_text="Blank: the request's current provider.")
    region = forms.CharField(required=False, max_length=50)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


def _porting_flow(name, label, service, form, **kwargs):
    return Flow(name, label, service, "porting_request", PORTING_PERMISSION, form=form, machine=PORTING, **kwargs)


@admin.register(PortingRequest)
class PortingRequestAdmin(OrganizationFromTenantMixin, FlowAdminMixin, OpsModelAdmin):
    list_display = ("phone_number", "tenant", "current_provider", "status", "estimated_completion",
                    "actual_completion", "processed_by", "created_at")
    list_select_related = ("tenant", "processed_by")
    list_filter = ("status", "created_at", "estimated_completion")
    search_fields = ("phone_number", "current_provider", "account_number", "tenant__name")
    readonly_fields = ("organization", "status", "provider_response", "estimated_completion", "actual_completion",
                       "processed_by")
    fieldsets = (
        (None, {"fields": ("organization", "tenant", "phone_number", "status")}),
        ("Current provider", {"fields": ("current_provider", "account_number", "pin_password")}),
        ("Contacts and addresses", {"fields": ("authorized_contact", "service_address", "billing_address")}),
        ("Documents", {"fields": ("supporting_documents",)}),
        ("Progress", {"fields": ("provider_response", "estimated_completion", "actual_completion", "processed_by"),
                      "description": "Recorded by the steps (buttons above)."}),
    )
    flows = (
        _porting_flow("submit", "Submit to provider", porting_request_submit, PortingStepForm),
        _porting_flow("start", "Start", porting_request_start, PortingStepForm),
        _porting_flow("approve", "Approve", porting_request_approve, PortingStepForm),
        _porting_flow("reject", "Reject", porting_request_reject, PortingRejectForm),
        _porting_flow("complete", "Complete (create the number)", porting_request_complete, PortingCompleteForm, bulk=False),
        _porting_flow("cancel", "Cancel", porting_request_cancel, ReasonForm),
    )
