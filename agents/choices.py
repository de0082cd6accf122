"""Allowed values of the agents columns that the spec CHECKs; the CHECKs are generated from these."""

from django.db import models


class AgentStatus(models.TextChoices):
    DRAFT = "draft"
    ACTIVE = "active"
    INACTIVE = "inactive"
    ARCHIVED = "archived"


class LatencyOptimizationLevel(models.TextChoices):
    ULTRA_LOW = "ultra_low"
    LOW = "low"
    BALANCED = "balanced"
    QUALITY = "quality"


class PhoneIntegrationType(models.TextChoices):
    MANAGED = "managed"
    SIP_TRUNK = "sip_trunk"
    TWILIO = "twilio"


class AgentVersionStatus(models.TextChoices):
    DRAFT = "draft"
    TESTING = "testing"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ConversationNodeType(models.TextChoices):
    MAIN = "main"
    RESPONSE = "response"
    TOOL_CALL = "tool_call"
    CONDITION = "condition"
    TRANSFER = "transfer"
    END = "end"

