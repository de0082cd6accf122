"""Business actions of the automation app (see docs/services.md)."""

from ..schemas import validate_json_schema
from .tools import (
    TOOL_VERSIONS,
    tool_create,
    tool_version_create,
    tool_version_deprecate,
    tool_version_publish,
    tool_version_rollback,
)
from .workflows import (
    WORKFLOW_VERSIONS,
    workflow_version_archive,
    workflow_version_create,
    workflow_version_publish,
    workflow_version_rollback,
)

__all__ = [
    "TOOL_VERSIONS", "WORKFLOW_VERSIONS", "tool_create", "tool_version_create", "tool_version_deprecate",
    "tool_version_publish", "tool_version_rollback", "validate_json_schema", "workflow_version_archive",
    "workflow_version_create", "workflow_version_publish", "workflow_version_rollback",
]
