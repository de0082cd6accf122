from django.db import models


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
