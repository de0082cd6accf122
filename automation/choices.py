"""Allowed values of the automation columns that the spec CHECKs; the CHECKs are generated from these."""

from django.db import models


class WorkflowCategory(models.TextChoices):
    CRM = "crm"
    COMMUNICATION = "communication"
    ANALYTICS = "analytics"
    INTEGRATION = "integration"
    CUSTOM = "custom"


class TriggerType(models.TextChoices):
    VOICE_AGENT = "voice_agent"
    WEBHOOK = "webhook"
    SCHEDULED = "scheduled"
    MANUAL = "manual"
    EVENT = "event"


class WorkflowStatus(models.TextChoices):
    DRAFT = "draft"
    ACTIVE = "active"
    INACTIVE = "inactive"
    ARCHIVED = "archived"


class WorkflowVersionStatus(models.TextChoices):
    DRAFT = "draft"
    TESTING = "testing"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class WorkflowNodeType(models.TextChoices):
    TRIGGER = "trigger"
    ACTION = "action"
    CONDITION = "condition"
    LOOP = "loop"
    PARALLEL = "parallel"
    TOOL = "tool"
    INTEGRATION = "integration"
    END = "end"


class ToolCategory(models.TextChoices):
    CRM = "crm"
    COMMUNICATION = "communication"
    DATABASE = "database"
    ANALYTICS = "analytics"
    INTEGRATION = "integration"
    AI = "ai"
    CUSTOM = "custom"


class ToolType(models.TextChoices):
    HTTP_API = "http_api"
    DATABASE = "database"
    WEBHOOK = "webhook"
    FUNCTION = "function"
    AI_SERVICE = "ai_service"
    FILE_OPERATION = "file_operation"


class ToolStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DEPRECATED = "deprecated"


class ToolVersionStatus(models.TextChoices):
    DRAFT = "draft"
    TESTING = "testing"
    PUBLISHED = "published"
    DEPRECATED = "deprecated"


class ExecutionStatus(models.TextChoices):
    STARTED = "started"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"


class NodeExecutionStatus(models.TextChoices):
    STARTED = "started"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    TIMEOUT = "timeout"

