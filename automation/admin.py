"""Ops console: workflows and their versions (nodes and connections inline), tools and their versions,
execution logs (read-only, millions of rows)."""

from django import forms
from django.contrib import admin

from aybiza.admin.base import (
    InheritingInlineFormSet, OpsModelAdmin, OrganizationFromTenantMixin, ReadOnlyInline, ServiceCreateMixin,
    TimeSeriesAdmin,
)
from aybiza.admin.flows import FlowAdminMixin, version_flows

from .models import (
    ExecutionLog, NodeExecution, Tool, ToolVersion, Workflow, WorkflowConnection, WorkflowNode, WorkflowVersion,
)
from .services import (
    TOOL_VERSIONS, WORKFLOW_VERSIONS, tool_create, tool_version_create, tool_version_deprecate, tool_version_publish,
    tool_version_rollback, workflow_version_archive, workflow_version_create, workflow_version_publish,
    workflow_version_rollback,
)

WORKFLOW_PERMISSION = "automation.publish_workflowversion"
TOOL_PERMISSION = "automation.publish_toolversion"
SCHEMA_FIELDS = ("input_schema", "output_schema")


# --- workflows ------------------------------------------------------------------------------------------------

class WorkflowVersionInline(ReadOnlyInline):
    model = WorkflowVersion
    fk_name = "workflow"
    fields = ("version", "status", "is_published", "published_at", "published_by", "changelog", "created_at")
    readonly_fields = fields
    ordering = ("-version",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("published_by")


@admin.register(Workflow)
class WorkflowAdmin(OrganizationFromTenantMixin, OpsModelAdmin):
    list_display = ("name", "tenant", "category", "trigger_type", "status", "is_published", "is_template",
                    "execution_count", "success_rate", "updated_at")
    list_select_related = ("tenant",)
    list_filter = ("status", "category", "trigger_type", "is_published", "is_template", "created_at")
    search_fields = ("name", "template_category", "tenant__name")
    readonly_fields = ("is_published", "published_at", "published_by")
    counter_fields = ("execution_count", "success_rate", "avg_execution_time_ms")
    inlines = (WorkflowVersionInline,)
    fieldsets = (
        (None, {"fields": ("name", "description", "organization", "tenant", "category", "status")}),
        ("Trigger", {"fields": ("trigger_type", "trigger_config")}),
        ("Publication", {"fields": ("is_published", "published_at", "published_by"),
                         "description": "Publish a version from its page."}),
        ("Template", {"fields": ("is_template", "template_category")}),
        ("Statistics", {"fields": ("execution_count", "success_rate", "avg_execution_time_ms")}),
        ("Metadata", {"fields": ("metadata",)}),
    )


class WorkflowNodeInline(admin.StackedInline):
    model = WorkflowNode
    fk_name = "workflow_version"
    formset = InheritingInlineFormSet
    exclude = ("workflow",)  # the version's workflow
    readonly_fields = ("created_at", "updated_at", "created_by", "updated_by")
    extra = 0


class WorkflowConnectionInline(admin.TabularInline):
    model = WorkflowConnection
    fk_name = "workflow_version"
    formset = InheritingInlineFormSet
    fields = ("source_node", "target_node", "label", "condition")
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("source_node", "target_node"):
            # A version's connections join its own nodes: a short <select>, not the whole table.
            version_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = WorkflowNode.objects.filter(workflow_version_id=version_id) if version_id \
                else WorkflowNode.objects.none()
            return db_field.formfield(**kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "condition":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 30})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(ServiceCreateMixin, FlowAdminMixin, OpsModelAdmin):
    create_service = staticmethod(workflow_version_create)
    add_fieldsets = ((None, {"fields": ("workflow", "changelog"),
                             "description": "A new draft version: a snapshot of the workflow's trigger configuration."}),)
    list_display = ("__str__", "workflow", "version", "status", "is_published", "published_at", "created_at")
    list_select_related = ("workflow",)
    list_filter = ("status", "is_published", "created_at")
    search_fields = ("workflow__name", "=version", "changelog")
    readonly_fields = ("workflow", "version", "status", "is_published", "published_at", "published_by")
    inlines = (WorkflowNodeInline, WorkflowConnectionInline)
    fieldsets = (
        (None, {"fields": ("workflow", "version", "status", "is_published", "published_at", "published_by")}),
        ("Trigger", {"fields": ("trigger_config",)}),
        ("Notes", {"fields": ("changelog", "metadata")}),
    )
    flows = version_flows(WORKFLOW_VERSIONS, "workflow_version", WORKFLOW_PERMISSION, publish=workflow_version_publish,
                          rollback=workflow_version_rollback, retire=workflow_version_archive)


@admin.register(WorkflowNode)
class WorkflowNodeAdmin(OpsModelAdmin):
    list_display = ("name", "node_type", "workflow", "workflow_version", "tool", "timeout_ms", "retry_count")
    list_select_related = ("workflow", "workflow_version__workflow", "tool")
    list_filter = ("node_type",)
    search_fields = ("name", "workflow__name")
    fieldsets = (
        (None, {"fields": ("workflow", "workflow_version", "name", "node_type", "tool")}),
        ("Configuration", {"fields": ("config", "timeout_ms", "retry_count", "retry_delay_ms")}),
        ("Canvas", {"fields": ("position_x", "position_y")}),
    )


@admin.register(WorkflowConnection)
class WorkflowConnectionAdmin(OpsModelAdmin):
    list_display = ("__str__", "workflow", "workflow_version", "label")
    list_select_related = ("workflow", "workflow_version__workflow", "source_node", "target_node")
    search_fields = ("label", "workflow__name", "source_node__name", "target_node__name")
    fieldsets = (
        (None, {"fields": ("workflow", "workflow_version", "source_node", "target_node", "label", "condition")}),
    )


# --- tools ----------------------------------------------------------------------------------------------------

class ToolVersionInline(ReadOnlyInline):
    model = ToolVersion
    fk_name = "tool"
    fields = ("version", "status", "is_published", "published_at", "published_by", "changelog", "created_at")
    readonly_fields = fields
    ordering = ("-version",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("published_by")


@admin.register(Tool)
class ToolAdmin(ServiceCreateMixin, OpsModelAdmin):
    create_service = staticmethod(tool_create)
    create_exclude = ()
    json_schema_fields = SCHEMA_FIELDS
    list_display = ("name", "tool_type", "category", "status", "organization", "tenant", "is_system_tool",
                    "is_verified", "usage_count", "success_rate")
    list_select_related = ("organization", "tenant")
    list_filter = ("status", "tool_type", "category", "is_system_tool", "is_verified")
    search_fields = ("name", "description", "organization__name", "tenant__name")
    counter_fields = ("usage_count", "success_rate", "avg_execution_time_ms")
    inlines = (ToolVersionInline,)
    fieldsets = (
        (None, {"fields": ("name", "description", "organization", "tenant", "category", "tool_type", "status")}),
        ("Configuration", {"fields": ("config", "auth_config")}),
        ("Schemas", {"fields": SCHEMA_FIELDS}),
        ("Trust", {"fields": ("is_system_tool", "is_verified")}),
        ("Statistics", {"fields": ("usage_count", "success_rate", "avg_execution_time_ms")}),
    )
    add_fieldsets = (
        (None, {"fields": ("name", "description", "organization", "tenant", "category", "tool_type", "status")}),
        ("Configuration", {"fields": ("config", "auth_config")}),
        ("Schemas", {"fields": SCHEMA_FIELDS}),
        ("Trust", {"fields": ("is_system_tool", "is_verified")}),
    )


@admin.register(ToolVersion)
class ToolVersionAdmin(ServiceCreateMixin, FlowAdminMixin, OpsModelAdmin):
    create_service = staticmethod(tool_version_create)
    json_schema_fields = SCHEMA_FIELDS
    add_fieldsets = (
        (None, {"fields": ("tool", "changelog"),
                "description": "A new draft version; blank config/schemas are copied from the tool."}),
        ("Configuration", {"fields": ("config", "auth_config", *SCHEMA_FIELDS)}),
    )
    list_display = ("__str__", "tool", "version", "status", "is_published", "published_at", "created_at")
    list_select_related = ("tool",)
    list_filter = ("status", "is_published", "created_at")
    search_fields = ("tool__name", "=version", "changelog")
    readonly_fields = ("tool", "version", "status", "is_published", "published_at", "published_by")
    fieldsets = (
        (None, {"fields": ("tool", "version", "status", "is_published", "published_at", "published_by")}),
        ("Configuration", {"fields": ("config", "auth_config")}),
        ("Schemas", {"fields": SCHEMA_FIELDS}),
        ("Notes", {"fields": ("changelog",)}),
    )
    flows = version_flows(TOOL_VERSIONS, "tool_version", TOOL_PERMISSION, publish=tool_version_publish,
                          rollback=tool_version_rollback, retire=tool_version_deprecate)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:  # blank means "copy from the tool"
            for name in ("config", *SCHEMA_FIELDS):
                if name in form.base_fields:
                    form.base_fields[name].required = False
        return form


# --- execution logs -------------------------------------------------------------------------------------------

class NodeExecutionInline(ReadOnlyInline):
    model = NodeExecution
    fk_name = "execution_log"
    fields = ("node_name", "node_type", "status", "started_at", "duration_ms", "retry_count", "error_message")
    readonly_fields = fields
    ordering = ("started_at",)


@admin.register(ExecutionLog)
class ExecutionLogAdmin(TimeSeriesAdmin):
    list_display = ("timestamp", "workflow", "tenant", "trigger_type", "status", "duration_ms", "nodes_executed",
                    "nodes_failed", "cost_usd")
    list_select_related = ("workflow", "tenant")
    list_filter = ("status", "trigger_type", "tenant")
    search_fields = ("workflow__name__exact",)
    search_help_text = "An exact workflow name."
    inlines = (NodeExecutionInline,)
    fieldsets = (
        (None, {"fields": ("timestamp", "workflow", "workflow_version", "organization", "tenant", "status")}),
        ("Trigger", {"fields": ("trigger_type", "trigger_id", "trigger_data")}),
        ("Timing and cost", {"fields": ("started_at", "completed_at", "duration_ms", "nodes_executed",
                                        "nodes_succeeded", "nodes_failed", "cost_usd")}),
        ("Data", {"fields": ("input_data", "output_data", "metadata")}),
        ("Error", {"fields": ("error_message", "error_details")}),
    )


@admin.register(NodeExecution)
class NodeExecutionAdmin(TimeSeriesAdmin):
    time_field = "started_at"
    list_display = ("node_name", "node_type", "status", "started_at", "duration_ms", "retry_count", "cost_usd")
    list_filter = ("status",)
    search_fields = ("node_name__exact",)
    fieldsets = (
        (None, {"fields": ("execution_log", "node", "node_name", "node_type", "status")}),
        ("Timing and cost", {"fields": ("started_at", "completed_at", "duration_ms", "retry_count", "cost_usd")}),
        ("Data", {"fields": ("input_data", "output_data")}),
        ("Error", {"fields": ("error_message", "error_details")}),
    )
