from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from rest_framework import viewsets

from aybiza.api.viewsets import CreateReadViewSet, ReadOnlyViewSet, ScopedViewSetMixin, TimeSeriesMixin

from .. import services
from ..services import api_keys, reports
from ..filtersets import (
    ApiKeyFilterSet, AuditLogFilterSet, ComplianceReportFilterSet, PromptInjectionAttemptFilterSet,
    SecurityEventFilterSet, VoiceSecurityEventFilterSet,
)
from ..models import ApiKey, AuditLog, ComplianceReport, PromptInjectionAttempt, SecurityEvent, VoiceSecurityEvent
from .serializers import (
    ApiKeySerializer, AuditLogSerializer, ComplianceReportSerializer, PromptInjectionAttemptSerializer,
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


class ComplianceReportViewSet(CreateReadViewSet):
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
        serializer.instance = reports.compliance_report_generate(report=report, **self.service_kwargs())

    @extend_schema(responses={(200, "application/json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description="The report document; its SHA-256 is in X-Checksum-SHA256 and Digest.")})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The report document (canonical JSON). Verify it: sha256(body) == checksum."""
        report = self.get_object()
        if report.status != "completed":
            raise exceptions.NotFound("This report has no document yet.")
        import base64
        import hashlib

        content = reports.document(report)
        digest = hashlib.sha256(content).digest()
        response = HttpResponse(content, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="compliance-report-{report.pk}.json"'
        response["X-Checksum-SHA256"] = report.checksum
        response["Digest"] = "sha-256=" + base64.b64encode(digest).decode()
        response["ETag"] = f'"{report.checksum}"'
        return response
