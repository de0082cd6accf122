from rest_framework import serializers

from aybiza.api.serializers import ScopedPrimaryKeyRelatedField, TenantOwnedSerializer, VersionedSerializerMixin

from ..models import ExecutionLog, NodeExecution, Tool, ToolVersion, Workflow, WorkflowConnection, WorkflowNode, WorkflowVersion
from ..schemas import validate_json_schema


class WorkflowSerializer(VersionedSerializerMixin, TenantOwnedSerializer):
    class Meta:
        model = Workflow
        fields = ("id", "organization", "tenant", "name", "description", "category", "trigger_type", "trigger_config",
                  "status", "is_published", "published_at", "published_by", "execution_count", "success_rate",
                  "avg_execution_time_ms", "metadata", "is_template", "template_category", "created_by",
                  "updated_by", "created_at", "updated_at", "version")
        read_only_fields = ("organization", "status", "is_published", "published_at", "published_by",
                            "execution_count", "success_rate", "avg_execution_time_ms", "created_by", "updated_by")


class WorkflowVersionSerializer(serializers.ModelSerializer):
    workflow = ScopedPrimaryKeyRelatedField(queryset=Workflow.objects.all())
    changelog = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=10_000)

    class Meta:
        model = WorkflowVersion
        fields = ("id", "workflow", "version", "trigger_config", "status", "is_published", "published_at",
                  "published_by", "changelog", "metadata", "created_by", "created_at")
        read_only_fields = ("version", "trigger_config", "status", "is_published", "published_at", "published_by",
                            "metadata", "created_by")


class WorkflowNodeSerializer(serializers.ModelSerializer):
    workflow_version = ScopedPrimaryKeyRelatedField(queryset=WorkflowVersion.objects.all())
    tool = ScopedPrimaryKeyRelatedField(queryset=Tool.objects.all(), required=False, allow_null=True)

    class Meta:
        model = WorkflowNode
        fields = ("id", "workflow", "workflow_version", "name", "node_type", "config", "tool", "position_x",
                  "position_y", "timeout_ms", "retry_count", "retry_delay_ms", "created_by", "updated_by",
                  "created_at", "updated_at")
        read_only_fields = ("workflow", "created_by", "updated_by")

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["workflow_version"].read_only = True
        return fields


class WorkflowConnectionSerializer(serializers.ModelSerializer):
    workflow_version = ScopedPrimaryKeyRelatedField(queryset=WorkflowVersion.objects.all())
    source_node = ScopedPrimaryKeyRelatedField(queryset=WorkflowNode.objects.all())
    target_node = ScopedPrimaryKeyRelatedField(queryset=WorkflowNode.objects.all())

    class Meta:
        model = WorkflowConnection
        fields = ("id", "workflow", "workflow_version", "source_node", "target_node", "condition", "label",
                  "created_by", "updated_by", "created_at", "updated_at")
        read_only_fields = ("workflow", "created_by", "updated_by")

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["workflow_version"].read_only = True
        return fields


class JsonSchemaField(serializers.JSONField):
    """A JSON value that must be a valid JSON Schema (Draft 2020-12)."""

    def to_internal_value(self, data):
        from django.core.exceptions import ValidationError

        value = super().to_internal_value(data)
        try:
            validate_json_schema(value, self.field_name)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict.get(self.field_name, exc.messages)) from None
        return value


class ToolSerializer(VersionedSerializerMixin, TenantOwnedSerializer):
    input_schema = JsonSchemaField()
    output_schema = JsonSchemaField()
    auth_config = serializers.JSONField(write_only=True, required=False)
    tenant_required = False

    class Meta:
        model = Tool
        fields = ("id", "organization", "tenant", "name", "description", "category", "tool_type", "config",
                  "auth_config", "input_schema", "output_schema", "status", "is_system_tool", "is_verified",
                  "usage_count", "success_rate", "avg_execution_time_ms", "created_by", "updated_by", "created_at",
                  "updated_at", "version")
        read_only_fields = ("organization", "status", "is_system_tool", "is_verified", "usage_count", "success_rate",
                            "avg_execution_time_ms", "created_by", "updated_by")


class ToolVersionSerializer(serializers.ModelSerializer):
    tool = ScopedPrimaryKeyRelatedField(queryset=Tool.objects.all())
    config = serializers.JSONField(required=False)
    input_schema = JsonSchemaField(required=False)
    output_schema = JsonSchemaField(required=False)
    auth_config = serializers.JSONField(write_only=True, required=False)
    changelog = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=10_000)

    class Meta:
        model = ToolVersion
        fields = ("id", "tool", "version", "config", "auth_config", "input_schema", "output_schema", "status",
                  "is_published", "published_at", "published_by", "changelog", "created_by", "created_at")
        read_only_fields = ("version", "status", "is_published", "published_at", "published_by", "created_by")


class ExecutionLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExecutionLog
        fields = ("id", "timestamp", "workflow", "workflow_version", "organization", "tenant", "trigger_type",
                  "trigger_id", "trigger_data", "status", "started_at", "completed_at", "duration_ms", "error_message",
                  "error_details", "input_data", "output_data", "metadata", "nodes_executed", "nodes_succeeded",
                  "nodes_failed", "cost_usd")
        read_only_fields = fields


class NodeExecutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = NodeExecution
        fields = ("id", "execution_log", "node", "node_name", "node_type", "status", "started_at", "completed_at",
                  "duration_ms", "input_data", "output_data", "error_message", "error_details", "retry_count",
                  "cost_usd")
        read_only_fields = fields
