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
