"""Allowed values of the analytics columns that the spec CHECKs; the CHECKs are generated from these."""

from django.db import models


class CallDirection(models.TextChoices):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallStatus(models.TextChoices):
    INITIATED = "initiated"
    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELLED = "cancelled"


class MetricType(models.TextChoices):
    LATENCY = "latency"
    QUALITY = "quality"
    COST = "cost"
    USAGE = "usage"
    ERROR = "error"
    SECURITY = "security"

