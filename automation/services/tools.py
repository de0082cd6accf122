"""Tools and tool versions: input/output schemas must be valid JSON Schemas.

Tool versions follow aybiza/core/versions.py with `deprecated` as the retired
state. Publishing copies config, auth_config, input_schema and output_schema
onto the tool.
"""

from django.db import transaction

from aybiza.core.versions import VersionFlow, version_audit_create, version_next_number, version_publish, version_retire
from aybiza.core.audit import audit_record, snapshot
from aybiza.core import routing_cache

from ..models import Tool, ToolVersion
from ..schemas import validate_json_schema

TOOL_VERSIONS = VersionFlow(
    model=ToolVersion, parent_field="tool", label="tool version", action="tool_version",
    retired="deprecated", retire_verb="deprecate",
    copy_fields=("config", "auth_config", "input_schema", "output_schema"),
)


def _check_schemas(*, input_schema, output_schema) -> None:
    validate_json_schema(input_schema, "input_schema")
    validate_json_schema(output_schema, "output_schema")


@transaction.atomic
def tool_create(
    *, actor, name: str, tool_type: str, input_schema, output_schema, organization=None, tenant=None,
    reason: str = "", api_key=None, request=None, **fields,
) -> Tool:
    """A tool; organization/tenant None makes a platform-wide tool."""
    _check_schemas(input_schema=input_schema, output_schema=output_schema)
    if tenant is not None and organization is None:
        organization = tenant.organization
    tool = Tool(
        name=name, tool_type=tool_type, input_schema=input_schema, output_schema=output_schema,
        organization=organization, tenant=tenant, created_by=actor, **fields,
    )
    tool.full_clean()
    tool.save(force_insert=True)
    audit_record(
        action="tool.create", instance=tool, actor=actor, api_key=api_key, request=request,
        after=snapshot(tool, ["name", "tool_type", "tenant", "status"]), reason=reason,
    )
    return tool


@transaction.atomic
def tool_version_create(
    *, tool: Tool, actor, config=None, input_schema=None, output_schema=None, auth_config=None,
    changelog: str = "", reason: str = "", api_key=None, request=None,
) -> ToolVersion:
    """A draft version; anything not given is copied from the tool."""
    tool = Tool.objects.select_for_update().get(pk=tool.pk)
    input_schema = tool.input_schema if input_schema is None else input_schema
    output_schema = tool.output_schema if output_schema is None else output_schema
    _check_schemas(input_schema=input_schema, output_schema=output_schema)
    version = ToolVersion.objects.create(
        tool=tool, version=version_next_number(TOOL_VERSIONS, tool), created_by=actor,
        config=tool.config if config is None else config,
        auth_config=tool.auth_config if auth_config is None else auth_config,
        input_schema=input_schema, output_schema=output_schema, changelog=changelog or None,
    )
    version_audit_create(TOOL_VERSIONS, version, actor=actor, reason=reason, api_key=api_key, request=request)
    return version


@transaction.atomic
def tool_version_publish(
    *, tool_version: ToolVersion, actor, reason: str = "", api_key=None, request=None
) -> ToolVersion:
    _check_schemas(input_schema=tool_version.input_schema, output_schema=tool_version.output_schema)
    version = version_publish(TOOL_VERSIONS, version=tool_version, verb="publish", actor=actor, reason=reason,
                               api_key=api_key, request=request)
    _invalidate(version.tool)
    return version


@transaction.atomic
def tool_version_rollback(
    *, tool_version: ToolVersion, actor, reason: str = "", api_key=None, request=None
) -> ToolVersion:
    _check_schemas(input_schema=tool_version.input_schema, output_schema=tool_version.output_schema)
    version = version_publish(TOOL_VERSIONS, version=tool_version, verb="rollback", actor=actor, reason=reason,
                               api_key=api_key, request=request)
    _invalidate(version.tool)
    return version


@transaction.atomic
def tool_version_deprecate(
    *, tool_version: ToolVersion, actor, reason: str = "", api_key=None, request=None
) -> ToolVersion:
    version = version_retire(TOOL_VERSIONS, version=tool_version, actor=actor, reason=reason,
                              api_key=api_key, request=request)
    _invalidate(version.tool)
    return version


def _invalidate(tool) -> None:
    """The routing snapshots that may carry this tool (its organization's; every one for a shared tool)."""
    if tool.organization_id is None:
        routing_cache.invalidate_all()
    else:
        routing_cache.invalidate_organization(tool.organization_id)
