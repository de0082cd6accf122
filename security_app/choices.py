"""Allowed values of the security_app columns that the spec CHECKs; the CHECKs are generated from these."""

from django.db import models


class ApiKeyStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    REVOKED = "revoked"
    EXPIRED = "expired"


class AuditLogStatus(models.TextChoices):
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"


class SecurityEventType(models.TextChoices):
    LOGIN_FAILURE = "login_failure"
    SUSPICIOUS_ACTIVITY = "suspicious_activity"
    RATE_LIMIT_EXCEEDED = "rate_limit_exceeded"
    UNAUTHORIZED_ACCESS = "unauthorized_access"
    DATA_BREACH = "data_breach"
    SYSTEM_ANOMALY = "system_anomaly"


class Severity(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class InjectionDetectionMethod(models.TextChoices):
    RULE_BASED = "rule_based"
    ML_MODEL = "ml_model"
    LLM_DETECTION = "llm_detection"
    PATTERN_MATCHING = "pattern_matching"


class InjectionAction(models.TextChoices):
    BLOCKED = "blocked"
    SANITIZED = "sanitized"
    LOGGED = "logged"
    ESCALATED = "escalated"


class VoiceSecurityEventType(models.TextChoices):
    VOICE_CLONING = "voice_cloning"
    DEEPFAKE_AUDIO = "deepfake_audio"
    CALLER_SPOOFING = "caller_spoofing"
    AUDIO_ANOMALY = "audio_anomaly"
    SUSPICIOUS_PATTERNS = "suspicious_patterns"


class VoiceDetectionMethod(models.TextChoices):
    AI_MODEL = "ai_model"
    VOICE_BIOMETRICS = "voice_biometrics"
    PATTERN_ANALYSIS = "pattern_analysis"
    FREQUENCY_ANALYSIS = "frequency_analysis"


class VoiceAction(models.TextChoices):
    CALL_TERMINATED = "call_terminated"
    ESCALATED = "escalated"
    LOGGED = "logged"
    USER_NOTIFIED = "user_notified"


class ComplianceReportType(models.TextChoices):
    SOC2 = "soc2"
    HIPAA = "hipaa"
    GDPR = "gdpr"
    PCI_DSS = "pci_dss"
    CUSTOM = "custom"


class ComplianceReportStatus(models.TextChoices):
    GENERATING = "generating"
    COMPLETED = "completed"
    FAILED = "failed"



# --- data-subject requests (extension of the spec: docs/decisions.md) ---------------------------------------

class SubjectRequestKind(models.TextChoices):
    EXPORT = "export"  # GDPR Art. 15 / 20: a copy of everything that refers to the subject
    ERASURE = "erasure"  # GDPR Art. 17: delete or irreversibly redact it


class SubjectRequestScope(models.TextChoices):
    SUBJECT = "subject"  # one person, named by phone number and/or e-mail
    ORGANIZATION = "organization"  # offboarding: the whole organization


class SubjectRequestStatus(models.TextChoices):
    RECEIVED = "received"
    DRY_RUN_DONE = "dry_run_done"
    APPROVED = "approved"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    REJECTED = "rejected"


# --- Alerting (ours) ---

class AlertStatus(models.TextChoices):
    FIRING = "firing"
    RESOLVED = "resolved"


class NotificationKind(models.TextChoices):
    FIRED = "fired"
    RESOLVED = "resolved"
    DIGEST = "digest"
    ENDPOINT_DISABLED = "endpoint_disabled"


class Channel(models.TextChoices):
    EMAIL = "email"
    WEBHOOK = "webhook"


class NotificationStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
