import base64
import functools
import hashlib

from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from rest_framework import viewsets

from aybiza.api.viewsets import CreateReadViewSet, ReadOnlyViewSet, ScopedViewSetMixin, TimeSeriesMixin

from accounts.models import Organization
from aybiza.core.audit import audit_record, snapshot

from .. import services
from ..services import api_keys, compliance, subject_requests
from ..tasks import dry_run_data_subject_request, queue_compliance_report, queue_data_subject_request
from ..filtersets import (
    ApiKeyFilterSet, AuditLogFilterSet, ComplianceReportFilterSet, DataSubjectRequestFilterSet, PromptInjectionAttemptFilterSet,
    SecurityEventFilterSet, VoiceSecurityEventFilterSet,
)
from ..models import ApiKey, AuditLog, ComplianceReport, DataSubjectRequest, PromptInjectionAttempt, SecurityEvent, VoiceSecurityEvent
from .serializers import (
    ApiKeySerializer, AuditLogSerializer, ComplianceReportSerializer, DataSubjectRequestSerializer,
    PromptInjectionAttemptSerializer,
    RevokeSerializer, SecurityEventSerializer, VoiceSecurityEventSerializer,
)


class ApiKeyViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                    viewsets.ReadOnlyModelViewSet):
    """API keys of your tenant (or organization). A new key can hold no scope and no limit its creator lacks;
    the key itself is in the creation response only."""

    scope = "api-keys"
    queryset = ApiKey.objects.all()
    serializer_class = ApiKeySerializer
    filterset_class = ApiKeyFilterSet
    ordering_fields = ("name", "created_at", "last_used_at")
    ordering = ("-created_at", "id")
    audit_fields = ("name", "description", "permissions", "rate_limit", "ip_whitelist", "expires_at")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        tenant = data.pop("tenant", None)
        if tenant is None and self.principal.tenant_id is not None:
            tenant = self.tenant_object({})
        organization = tenant.organization if tenant is not None else self.principal.api_key.organization
        row, raw = api_keys.api_key_create(organization=organization, tenant=tenant, **self.service_kwargs(), **data)
        row.key = raw
        serializer.instance = row

    @extend_schema(request=RevokeSerializer, responses=ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke a key for good (a reason is required). It is refused from the next request on."""
        key = self.get_object()
        data = RevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = services.api_key_revoke(key=key, reason=data.validated_data["reason"], **self.service_kwargs())
        return Response(self.get_serializer(key).data)


class AuditLogViewSet(TimeSeriesMixin, ReadOnlyViewSet):
    """The audit trail of your tenant (organization keys: the whole organization), newest first."""

    scope = "audit-logs"
    queryset = AuditLog.objects.all()
    serializer_class = AuditLogSerializer
    filterset_class = AuditLogFilterSet
    ordering_fields = ("timestamp",)
    ordering = ("-timestamp",)


class SecurityEventViewSet(TimeSeriesMixin, ReadOnlyViewSet):
    """Security events (rate limits exceeded, unauthorized access, ...), newest first."""

    scope = "security-events"
    queryset = SecurityEvent.objects.all()
    serializer_class = SecurityEventSerializer
    filterset_class = SecurityEventFilterSet
    ordering_fields = ("timestamp",)
    ordering = ("-timestamp",)


class PromptInjectionAttemptViewSet(TimeSeriesMixin, CreateReadViewSet):
    """Prompt-injection detections; the voice platform reports them here."""

    scope = "prompt-injection-attempts"
    queryset = PromptInjectionAttempt.objects.all()
    serializer_class = PromptInjectionAttemptSerializer
    filterset_class = PromptInjectionAttemptFilterSet
    ordering_fields = ("timestamp",)
    ordering = ("-timestamp",)
    audit_fields = ("call_sid", "detection_method", "threat_level", "action_taken")


class VoiceSecurityEventViewSet(TimeSeriesMixin, CreateReadViewSet):
    """Voice security detections (cloning, deepfakes, spoofing); the voice platform reports them here."""

    scope = "voice-security-events"
    queryset = VoiceSecurityEvent.objects.all()
    serializer_class = VoiceSecurityEventSerializer
    filterset_class = VoiceSecurityEventFilterSet
    ordering_fields = ("timestamp",)
    ordering = ("-timestamp",)
    audit_fields = ("call_sid", "event_type", "threat_level", "action_taken")


class DownloadNegotiationMixin:
    """`?format=` of a download names the document (json|pdf), not a DRF renderer: errors are always JSON."""

    def perform_content_negotiation(self, request, force=False):
        if getattr(self, "action", None) == "download":
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)


class ComplianceReportViewSet(DownloadNegotiationMixin, CreateReadViewSet):
    """Compliance reports: request one for a period; download the document and check its SHA-256."""

    scope = "compliance-reports"
    queryset = ComplianceReport.objects.all()
    serializer_class = ComplianceReportSerializer
    filterset_class = ComplianceReportFilterSet
    ordering_fields = ("generated_at", "reporting_period_start")
    ordering = ("-generated_at", "id")

    def perform_create(self, serializer):
        report = self.save_checked(serializer, **self.owner_kwargs(serializer.validated_data),
                                   generated_by=self.principal.actor, status="generating")
        self.audit("create", report, after=snapshot(report, ["report_type", "status", "reporting_period_start",
                                                           "reporting_period_end"]))
        # Generation reads across tables (platform staff, every encrypted column, retention state) that the
        # key's row-level-security role cannot see, so it is a job of the job runner, queued once this request
        # has committed, outside any tenant context. The response says "generating"; read the report again.
        transaction.on_commit(functools.partial(queue_compliance_report, report.pk))
        serializer.instance = report

    @extend_schema(parameters=[OpenApiParameter("format", str, enum=["json", "pdf"], description="Default json.")],
                   responses={(200, "application/json"): OpenApiResponse(
                       OpenApiTypes.OBJECT, description="The stored report document, verified against its SHA-256 "
                                                        "(X-Checksum-SHA256); 409 if it was tampered with."),
                       (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The report document (canonical JSON, or ?format=pdf). Refused (409) if the stored file no longer
        matches its SHA-256. Verify it yourself too: sha256(body) == X-Checksum-SHA256."""
        report = self.get_object()
        fmt = request.query_params.get("format", "json")
        if fmt not in compliance.FORMATS:
            raise exceptions.ValidationError({"format": ["One of: json, pdf."]})
        try:
            content = compliance.read_document(report, fmt)
        except FileNotFoundError as exc:
            raise exceptions.NotFound(str(exc))
        except compliance.DocumentTampered as exc:
            refuse_tampered(report, fmt, str(exc), self.service_kwargs())
            return Response({"code": "document_tampered", "detail": str(exc)}, status=409)
        return verified_file(content, compliance.FORMATS[fmt], f"compliance-report-{report.pk}.{fmt}")


def verified_file(content: bytes, content_type: str, filename: str) -> HttpResponse:
    digest = hashlib.sha256(content)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Checksum-SHA256"] = digest.hexdigest()
    response["Digest"] = "sha-256=" + base64.b64encode(digest.digest()).decode()
    response["ETag"] = f'"{digest.hexdigest()}"'
    return response


def refuse_tampered(row, what: str, message: str, service_kwargs: dict) -> None:
    """A stored document failed its checksum: a security event and an audit row (committed; nothing served)."""
    SecurityEvent.objects.create(
        organization_id=row.organization_id, tenant_id=row.tenant_id, event_type="system_anomaly",
        severity="high", source="document-integrity", user=service_kwargs.get("actor"),
        api_key=service_kwargs.get("api_key"),
        details={"resource_type": row._meta.label_lower, "resource_id": str(row.pk), "document": what,
                 "error": message})
    audit_record(action=f"{row._meta.model_name}.download", instance=row, status="failure",
                 details={"document": what, "error": message}, **service_kwargs)


class DataSubjectRequestViewSet(DownloadNegotiationMixin, CreateReadViewSet):
    """Data-subject requests (GDPR Art. 15 export, Art. 17 erasure) of your tenant: file one naming the person by
    phone number and/or e-mail; ops count, approve and run it; answered within 30 days (`due_at`)."""

    scope = "data-subject-requests"
    queryset = DataSubjectRequest.objects.all()
    serializer_class = DataSubjectRequestSerializer
    filterset_class = DataSubjectRequestFilterSet
    ordering_fields = ("received_at", "due_at")
    ordering = ("-received_at", "id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        owner = self.owner_kwargs(data)
        tenant = owner.get("tenant") or (self.tenant_object({}) if self.principal.tenant_id else None)
        organization = tenant.organization if tenant is not None else Organization.objects.get(
            pk=self.principal.organization_id)
        serializer.instance = subject_requests.data_subject_request_create(
            organization=organization, tenant=tenant, kind=data["kind"], subject_phone=data.get("subject_phone"),
            subject_email=data.get("subject_email"), notes=data.get("notes") or "", **self.service_kwargs())
        # Counting reads tables the key's role cannot see: a job of the job runner, once this request commits.
        transaction.on_commit(functools.partial(queue_data_subject_request, dry_run_data_subject_request,
                                                serializer.instance.pk))

    @extend_schema(responses={(200, "application/zip"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The export archive (JSON and CSV per table, manifest.json with a "
                                         "SHA-256 per file); 409 if the stored archive was tampered with.")})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The export archive of a completed export request, verified against its SHA-256."""
        row = self.get_object()
        try:
            content = subject_requests.read_archive(row)
        except FileNotFoundError as exc:
            raise exceptions.NotFound(str(exc))
        except subject_requests.ArchiveTampered as exc:
            refuse_tampered(row, "archive", str(exc), self.service_kwargs())
            return Response({"code": "document_tampered", "detail": str(exc)}, status=409)
        return verified_file(content, "application/zip", f"data-subject-export-{row.pk}.zip")
