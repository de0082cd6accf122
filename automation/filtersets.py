"""FilterSets of the automation API (explicit fields, `q` search)."""

import django_filters

from aybiza.api.filters import SearchFilterSet, TimeRangeFilterSet

from .choices import (
    ExecutionStatus, NodeExecutionStatus, ToolCategory, ToolStatus, ToolType, ToolVersionStatus, TriggerType,
    WorkflowCategory, WorkflowNodeType, WorkflowStatus, WorkflowVersionStatus,
)
from .models import ExecutionLog, NodeExecution, Tool, ToolVersion, Workflow, WorkflowConnection, WorkflowNode, WorkflowVersion


class WorkflowFilterSet(SearchFilterSet):
    search_fields = ("name", "description")
    status = django_filters.MultipleChoiceFilter(choices=WorkflowStatus.choices)
    category = django_filters.ChoiceFilter(choices=WorkflowCategory.choices)
    trigger_type = django_filters.ChoiceFilter(choices=TriggerType.choices)
    is_published = django_filters.BooleanFilter()
    is_template = django_filters.BooleanFilter()
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = Workflow
        fields = ["q", "status", "category", "trigger_type", "is_published", "is_template", "tenant_id"]


class WorkflowVersionFilterSet(SearchFilterSet):
    search_fields = ("changelog",)
    workflow_id = django_filters.UUIDFilter()
    status = django_filters.MultipleChoiceFilter(choices=WorkflowVersionStatus.choices)
    is_published = django_filters.BooleanFilter()

    class Meta:
        model = WorkflowVersion
        fields = ["q", "workflow_id", "status", "is_published"]


class WorkflowNodeFilterSet(SearchFilterSet):
    search_fields = ("name",)
    workflow_id = django_filters.UUIDFilter()
    workflow_version_id = django_filters.UUIDFilter()
    node_type = django_filters.MultipleChoiceFilter(choices=WorkflowNodeType.choices)
    tool_id = django_filters.UUIDFilter()

    class Meta:
        model = WorkflowNode
        fields = ["q", "workflow_id", "workflow_version_id", "node_type", "tool_id"]


class WorkflowConnectionFilterSet(SearchFilterSet):
    search_fields = ("label",)
    workflow_id = django_filters.UUIDFilter()
    workflow_version_id = django_filters.UUIDFilter()
    source_node_id = django_filters.UUIDFilter()
    target_node_id = django_filters.UUIDFilter()

    class Meta:
        model = WorkflowConnection
        fields = ["q", "workflow_id", "workflow_version_id", "source_node_id", "target_node_id"]


class ToolFilterSet(SearchFilterSet):
    search_fields = ("name", "description")
    category = django_filters.ChoiceFilter(choices=ToolCategory.choices)
    tool_type = django_filters.ChoiceFilter(choices=ToolType.choices)
    status = django_filters.MultipleChoiceFilter(choices=ToolStatus.choices)
    is_system_tool = django_filters.BooleanFilter()
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = Tool
        fields = ["q", "category", "tool_type", "status", "is_system_tool", "tenant_id"]


class ToolVersionFilterSet(SearchFilterSet):
    search_fields = ("changelog",)
    tool_id = django_filters.UUIDFilter()
    status = django_filters.MultipleChoiceFilter(choices=ToolVersionStatus.choices)
    is_published = django_filters.BooleanFilter()

    class Meta:
        model = ToolVersion
        fields = ["q", "tool_id", "status", "is_published"]


class ExecutionLogFilterSet(TimeRangeFilterSet):
    search_fields = ("error_message",)
    workflow_id = django_filters.UUIDFilter()
    workflow_version_id = django_filters.UUIDFilter()
    status = django_filters.MultipleChoiceFilter(choices=ExecutionStatus.choices)
    trigger_type = django_filters.ChoiceFilter(choices=TriggerType.choices)
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = ExecutionLog
        fields = ["q", "since", "until", "workflow_id", "workflow_version_id", "status", "trigger_type", "tenant_id"]


class NodeExecutionFilterSet(TimeRangeFilterSet):
    time_field = "started_at"
    search_fields = ("node_name", "error_message")
    execution_log_id = django_filters.UUIDFilter()
    node_id = django_filters.UUIDFilter()
    status = django_filters.MultipleChoiceFilter(choices=NodeExecutionStatus.choices)

    class Meta:
        model = NodeExecution
        fields = ["q", "since", "until", "execution_log_id", "node_id", "status"]
