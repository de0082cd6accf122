"""Allowed values of the telephony columns that the spec CHECKs; the CHECKs are generated from these."""

from django.db import models


class AcquisitionMethod(models.TextChoices):
    MANAGED = "managed"
    SIP_TRUNK = "sip_trunk"
    TWILIO = "twilio"
    PORTED = "ported"


class PhoneNumberStatus(models.TextChoices):
    PENDING = "pending"
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"
    PORTING = "porting"
    FAILED = "failed"


class HealthStatus(models.TextChoices):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"
    UNKNOWN = "unknown"


class ReservationAcquisitionMethod(models.TextChoices):
    MANAGED = "managed"
    SIP_TRUNK = "sip_trunk"
    TWILIO = "twilio"
    PORTING = "porting"


class ReservationStatus(models.TextChoices):
    PENDING = "pending"
    PROCESSING = "processing"
    AVAILABLE = "available"
    RESERVED = "reserved"
    COMPLETED = "completed"
    FAILED = "failed"
    EXPIRED = "expired"


class PortingRequestStatus(models.TextChoices):
    PENDING = "pending"
    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class SipTrunkAuthenticationMethod(models.TextChoices):
    IP_ACL = "ip_acl"
    CREDENTIAL = "credential"
    CERTIFICATE = "certificate"


class SipTrunkStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    TESTING = "testing"
    FAILED = "failed"



class ProbeOutcome(models.TextChoices):
    """How a SIP OPTIONS probe ended (telephony/health/sip_options.py)."""

    ANSWERED = "answered"
    TIMEOUT = "timeout"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    DNS_ERROR = "dns_error"
    TLS_ERROR = "tls_error"
    PROTOCOL_ERROR = "protocol_error"
    INVALID_TARGET = "invalid_target"
