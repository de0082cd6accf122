from aybiza.api.routers import router

from .views import (
    ApiKeyViewSet, AuditLogViewSet, ComplianceReportViewSet, DataSubjectRequestViewSet, PromptInjectionAttemptViewSet, SecurityEventViewSet,
    VoiceSecurityEventViewSet,
)

router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("audit-logs", AuditLogViewSet, basename="audit-log")
router.register("security-events", SecurityEventViewSet, basename="security-event")
router.register("prompt-injection-attempts", PromptInjectionAttemptViewSet, basename="prompt-injection-attempt")
router.register("voice-security-events", VoiceSecurityEventViewSet, basename="voice-security-event")
router.register("compliance-reports", ComplianceReportViewSet, basename="compliance-report")
router.register("data-subject-requests", DataSubjectRequestViewSet, basename="data-subject-request")

# Alerting (security_app/alerts/api.py)
from ..alerts.api import AlertDeliveryViewSet, AlertRuleViewSet, AlertViewSet, WebhookEndpointViewSet  # noqa: E402

router.register("alert-rules", AlertRuleViewSet, basename="alert-rule")
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("alerts", AlertViewSet, basename="alert")
router.register("alert-deliveries", AlertDeliveryViewSet, basename="alert-delivery")
