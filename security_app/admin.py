"""Ops console: API keys (created and revoked through services), the security review queues,
and the audit/security logs (read-only, millions of rows)."""

import functools
import hashlib

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from aybiza.admin.base import OpsModelAdmin, ServiceCreateMixin, TimeSeriesAdmin
from aybiza.admin.flows import Flow, FlowAdminMixin, FlowForm, ReasonForm, RequiredReasonForm
from aybiza.core.audit import audit_record

from .services.api_keys import api_key_create
from .models import (
    ApiAccessLog, ApiKey, AuditLog, ComplianceReport, DataSubjectRequest, PromptInjectionAttempt, SecurityEvent,
    VoiceSecurityEvent,
)
from .services import (
    API_KEY, api_key_revoke, prompt_injection_review, security_event_resolve, voice_security_event_review,
)
from .services import compliance, subject_requests
from .tasks import queue_data_subject_request, run_data_subject_request


class NotesForm(FlowForm):
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text="Required: what was done and why.")


class ReviewForm(FlowForm):
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    force = forms.BooleanField(required=False, help_text="Replace an earlier review.")


def _review_flows(service, target, permission):
    not_reviewed = lambda obj: obj.reviewed_at is None  # noqa: E731
    return (
        Flow("false-positive", "Mark as false positive", service, target, permission, form=ReviewForm,
             extra={"false_positive": True}, available=not_reviewed),
        Flow("confirm", "Confirm the threat", service, target, permission, form=ReviewForm,
             extra={"false_positive": False}, available=not_reviewed),
    )


# --- API keys -------------------------------------------------------------------------------------------------

@admin.register(ApiKey)
class ApiKeyAdmin(ServiceCreateMixin, FlowAdminMixin, OpsModelAdmin):
    create_service = staticmethod(api_key_create)
    create_exclude = ()
    list_display = ("name", "organization", "tenant", "status", "created_by", "created_at", "expires_at",
                    "last_used_at", "usage_count")
    list_select_related = ("organization", "tenant", "created_by")
    list_filter = ("status", "created_at", "expires_at")
    search_fields = ("name", "description", "organization__name", "tenant__name")
    readonly_fields = ("status", "key", "last_used_at")
    counter_fields = ("usage_count",)
    fieldsets = (
        (None, {"fields": ("name", "description", "organization", "tenant", "status", "key")}),
        ("Access", {"fields": ("permissions", "rate_limit", "ip_whitelist", "expires_at")}),
        ("Usage", {"fields": ("last_used_at", "usage_count")}),
    )
    add_fieldsets = (
        (None, {"fields": ("name", "description", "organization", "tenant"),
                "description": "The key is generated and shown once, after saving; only its hash is stored."}),
        ("Access", {"fields": ("permissions", "rate_limit", "ip_whitelist", "expires_at")}),
    )
    flows = (
        Flow("revoke", "Revoke", api_key_revoke, "key", "security_app.revoke_apikey",
             form=RequiredReasonForm, machine=API_KEY),
    )

    @admin.display(description="key")
    def key(self, obj):
        return "Stored as a hash only; it cannot be shown again."

    def save_model(self, request, obj, form, change):
        if change:
            return super(ServiceCreateMixin, self).save_model(request, obj, form, change)
        data = form.cleaned_data
        row, key = api_key_create(
            organization=data["organization"], tenant=data.get("tenant"), actor=request.user, request=request,
            name=data["name"], description=data.get("description") or "", permissions=data.get("permissions"),
            rate_limit=data.get("rate_limit"), ip_whitelist=data.get("ip_whitelist"), expires_at=data.get("expires_at"),
        )
        obj.__dict__.update(row.__dict__)
        self.message_user(
            request, f"The new API key (shown only now, copy it): {key}", messages.WARNING,
        )


# --- review queues --------------------------------------------------------------------------------------------

@admin.register(SecurityEvent)
class SecurityEventAdmin(FlowAdminMixin, TimeSeriesAdmin):
    list_display = ("timestamp", "event_type", "severity", "tenant", "source", "ip_address", "user", "risk_score",
                    "resolved")
    list_select_related = ("tenant", "user")
    list_filter = ("resolved", "severity", "event_type", "tenant")
    search_fields = ("=ip_address", "source__exact", "user__email__exact")
    search_help_text = "An exact IP address, source or user email."
    fieldsets = (
        (None, {"fields": ("timestamp", "event_type", "severity", "risk_score", "source")}),
        ("Who", {"fields": ("organization", "tenant", "user", "api_key", "ip_address")}),
        ("Details", {"fields": ("details", "automated_response")}),
        ("Resolution", {"fields": ("resolved", "resolved_at", "resolved_by", "resolution_notes")}),
    )
    flows = (
        Flow("resolve", "Resolve", security_event_resolve, "security_event",
             "security_app.review_securityevent", form=NotesForm, available=lambda obj: not obj.resolved),
    )


@admin.register(PromptInjectionAttempt)
class PromptInjectionAttemptAdmin(FlowAdminMixin, TimeSeriesAdmin):
    list_display = ("timestamp", "tenant", "agent", "threat_level", "detection_method", "confidence_score",
                    "action_taken", "false_positive", "reviewed_at")
    list_select_related = ("tenant", "agent")
    list_filter = ("threat_level", "action_taken", "detection_method", "false_positive", "tenant")
    search_fields = ("call_sid__exact",)
    search_help_text = "An exact call SID."
    fieldsets = (
        (None, {"fields": ("timestamp", "threat_level", "detection_method", "confidence_score", "action_taken")}),
        ("Where", {"fields": ("organization", "tenant", "agent", "agent_version", "call_sid")}),
        ("Input", {"fields": ("input_text", "metadata")}),
        ("Review", {"fields": ("false_positive", "reviewed_by", "reviewed_at")}),
    )
    flows = _review_flows(prompt_injection_review, "attempt",
                          "security_app.review_promptinjectionattempt")


@admin.register(VoiceSecurityEvent)
class VoiceSecurityEventAdmin(FlowAdminMixin, TimeSeriesAdmin):
    list_display = ("timestamp", "event_type", "tenant", "agent", "call_sid", "threat_level", "confidence_score",
                    "action_taken", "false_positive", "reviewed_at")
    list_select_related = ("tenant", "agent")
    list_filter = ("event_type", "threat_level", "action_taken", "false_positive", "tenant")
    search_fields = ("call_sid__exact",)
    search_help_text = "An exact call SID."
    fieldsets = (
        (None, {"fields": ("timestamp", "event_type", "threat_level", "detection_method", "confidence_score",
                           "action_taken")}),
        ("Where", {"fields": ("organization", "tenant", "agent", "agent_version", "call_sid", "audio_sample_url")}),
        ("Details", {"fields": ("metadata",)}),
        ("Review", {"fields": ("false_positive", "reviewed_by", "reviewed_at")}),
    )
    flows = _review_flows(voice_security_event_review, "event",
                          "security_app.review_voicesecurityevent")


# --- logs -----------------------------------------------------------------------------------------------------

@admin.register(AuditLog)
class AuditLogAdmin(TimeSeriesAdmin):
    list_display = ("timestamp", "action", "resource_type", "resource_name", "user", "tenant", "status", "ip_address")
    list_select_related = ("user", "tenant")
    list_filter = ("status", "tenant")
    search_fields = ("action__exact", "resource_type__exact", "user__email__exact")
    search_help_text = "An exact action (porting_request.approve), resource type (telephony.portingrequest) or email."
    fieldsets = (
        (None, {"fields": ("timestamp", "action", "status", "resource_type", "resource_id", "resource_name")}),
        ("Who", {"fields": ("organization", "tenant", "user", "api_key", "ip_address", "user_agent", "session_id",
                            "request_id")}),
        ("Details", {"fields": ("details", "error_message", "duration_ms", "edge_region", "aws_region")}),
    )


@admin.register(ApiAccessLog)
class ApiAccessLogAdmin(TimeSeriesAdmin):
    list_display = ("timestamp", "method", "endpoint", "status_code", "response_time_ms", "tenant", "api_key",
                    "rate_limited", "cached_response")
    list_select_related = ("tenant", "api_key")
    list_filter = ("method", "rate_limited", "cached_response", "tenant")
    search_fields = ("endpoint__exact", "=ip_address")
    search_help_text = "An exact endpoint or IP address."
    fieldsets = (
        (None, {"fields": ("timestamp", "method", "endpoint", "status_code", "response_time_ms")}),
        ("Who", {"fields": ("organization", "tenant", "user", "api_key", "ip_address", "user_agent", "request_id")}),
        ("Request", {"fields": ("request_size_bytes", "response_size_bytes", "request_body_hash", "rate_limited",
                                "cached_response", "edge_region", "aws_region", "error_details")}),
    )


class DownloadMixin:
    """`<id>/download/<what>/`: a stored document, verified against its SHA-256 before it is served."""

    download_permission = ""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [path("<path:object_id>/download/<slug:what>/", self.admin_site.admin_view(self.download_view),
                     name="%s_%s_download" % info), *super().get_urls()]

    def download_url(self, obj, what):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_download", args=[obj.pk, what])

    def download_view(self, request, object_id, what):
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404("No such object.")
        try:
            content, content_type, filename = self.read(obj, what)
        except (FileNotFoundError, ValueError) as exc:
            raise Http404(str(exc))
        except (compliance.DocumentTampered, subject_requests.ArchiveTampered) as exc:
            audit_record(action=f"{obj._meta.model_name}.download", instance=obj, actor=request.user,
                         request=request, status="failure", details={"document": what, "error": str(exc)})
            self.message_user(request, f"Refused: {exc}", messages.ERROR)
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                                                args=[obj.pk]))
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Checksum-SHA256"] = hashlib.sha256(content).hexdigest()
        return response


class GenerateForm(FlowForm):
    pass


@admin.register(ComplianceReport)
class ComplianceReportAdmin(DownloadMixin, FlowAdminMixin, OpsModelAdmin):
    list_display = ("__str__", "organization", "tenant", "report_type", "status", "reporting_period_start",
                    "reporting_period_end", "generated_at", "generated_by")
    list_select_related = ("organization", "tenant", "generated_by")
    list_filter = ("report_type", "status", "generated_at")
    search_fields = ("organization__name", "tenant__name", "checksum")
    readonly_fields = ("status", "generated_by", "generated_at", "checksum", "report_data", "findings",
                       "recommendations", "report_file_url", "documents", "error_message", "downloads", "controls")
    fieldsets = (
        (None, {"fields": ("organization", "tenant", "report_type", "status", "error_message")}),
        ("Period", {"fields": ("reporting_period_start", "reporting_period_end")}),
        ("Result", {"fields": ("controls", "downloads", "checksum", "documents")}),
        ("Content", {"fields": ("report_data", "findings", "recommendations", "report_file_url"),
                     "classes": ("collapse",)}),
        ("Generation", {"fields": ("generated_at", "generated_by")}),
    )
    flows = (
        Flow("generate", "Generate", compliance.compliance_report_generate, "report",
             "security_app.add_compliancereport", form=GenerateForm, machine=compliance.MACHINE),
    )

    def read(self, obj, what):
        return compliance.read_document(obj, what), compliance.FORMATS[what], f"compliance-report-{obj.pk}.{what}"

    @admin.display(description="Download")
    def downloads(self, obj):
        if obj is None or obj.status != "completed":
            return "-"
        return format_html_join(" · ", '<a href="{}">{}</a>', (
            (self.download_url(obj, fmt), fmt.upper()) for fmt in compliance.FORMATS if fmt in (obj.documents or {})))

    @admin.display(description="Controls")
    def controls(self, obj):
        rows = (obj.report_data or {}).get("controls") if obj else None
        if not rows:
            return "-"
        return format_html("<table>{}</table>", format_html_join("", "<tr><td>{}</td><td>{}</td><td><b>{}</b></td></tr>",
                           ((c["title"], c["reference"], c["status"]) for c in rows)))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.generated_by = request.user
            obj.status = "generating"
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        report = compliance.compliance_report_generate(report=obj, actor=request.user, request=request)
        level = messages.SUCCESS if report.status == "completed" else messages.ERROR
        self.message_user(request, f"Report {report.status}" + (f": {report.error_message}" if report.error_message
                                                                 else "."), level)
        return HttpResponseRedirect(reverse("admin:security_app_compliancereport_change", args=[report.pk]))


# --- data-subject requests ------------------------------------------------------------------------------------

DSR_PERMISSION = "security_app.approve_datasubjectrequest"


class DataSubjectRequestAddForm(forms.ModelForm):
    class Meta:
        model = DataSubjectRequest
        fields = ("organization", "tenant", "kind", "scope", "subject_phone", "subject_email", "notes")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        cleaned["subject_phone"], cleaned["subject_email"] = subject_requests.validate_request(
            organization=cleaned.get("organization"), tenant=cleaned.get("tenant"), kind=cleaned.get("kind"),
            scope=cleaned.get("scope"), subject_phone=cleaned.get("subject_phone"),
            subject_email=cleaned.get("subject_email"))
        return cleaned


def _approve_and_queue_run(*, subject_request, **kwargs):
    """Approve; once that commits, the job runner runs the request ("Run now" runs it at once instead)."""
    row = subject_requests.data_subject_request_approve(subject_request=subject_request, **kwargs)
    transaction.on_commit(functools.partial(queue_data_subject_request, run_data_subject_request, row.pk))
    return row


def _dsr_flow(name, label, service, form=ReasonForm, **kwargs):
    return Flow(name, label, service, "subject_request", DSR_PERMISSION, form=form, machine=subject_requests.MACHINE,
                verb=kwargs.pop("verb", None), **kwargs)


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(DownloadMixin, FlowAdminMixin, OpsModelAdmin):
    list_display = ("__str__", "organization", "tenant", "kind", "scope", "status", "received_at", "due_at",
                    "approved_by", "completed_at")
    list_select_related = ("organization", "tenant", "approved_by")
    list_filter = ("status", "kind", "scope", "due_at")
    search_fields = ("organization__name", "tenant__name", "subject_fingerprint")
    readonly_fields = ("status", "subject_fingerprint", "received_at", "due_at", "counts", "result", "archive_name",
                       "archive_checksum", "error_message", "requested_by", "approved_by", "approved_at",
                       "started_at", "completed_at", "download")
    fieldsets = (
        (None, {"fields": ("organization", "tenant", "kind", "scope", "status", "notes")}),
        ("Subject", {"fields": ("subject_phone", "subject_email", "subject_fingerprint")}),
        ("Deadline", {"fields": ("received_at", "due_at")}),
        ("Dry run and result", {"fields": ("counts", "result", "download", "archive_name", "archive_checksum",
                                           "error_message")}),
        ("Approval", {"fields": ("requested_by", "approved_by", "approved_at", "started_at", "completed_at")}),
    )
    flows = (
        _dsr_flow("dry_run", "Dry run (count)", subject_requests.data_subject_request_dry_run, form=FlowForm),
        _dsr_flow("approve", "Approve", _approve_and_queue_run, bulk=False,
                  help="Irreversible for an erasure: check the dry-run counts first. The job runner then runs it."),
        _dsr_flow("reject", "Reject", subject_requests.data_subject_request_reject, form=RequiredReasonForm),
        _dsr_flow("run", "Run now", subject_requests.data_subject_request_run, verb="start", bulk=False),
    )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = DataSubjectRequestAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "organization", "tenant", "kind", "scope", "subject_phone", "subject_email"] if obj else fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        created = subject_requests.data_subject_request_create(
            organization=data["organization"], tenant=data.get("tenant"), kind=data["kind"], scope=data["scope"],
            subject_phone=data.get("subject_phone"), subject_email=data.get("subject_email"),
            notes=data.get("notes") or "", actor=request.user, request=request)
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False

    def read(self, obj, what):
        if what != "archive":
            raise ValueError(what)
        return subject_requests.read_archive(obj), "application/zip", f"data-subject-export-{obj.pk}.zip"

    @admin.display(description="Export archive")
    def download(self, obj):
        if obj is None or not obj.archive_name:
            return "-"
        return format_html('<a href="{}">Download (verified against SHA-256)</a>', self.download_url(obj, "archive"))

# Alerting: rules, webhook endpoints, alerts, notices, delivery attempts (security_app/alerts/admin.py).
from .alerts import admin as alerts_admin  # noqa: E402,F401
