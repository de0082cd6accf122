"""Ops console: agents (created through agent_create, so tenant limits apply), versions, conversation nodes."""

from django.contrib import admin, messages

from aybiza.admin.base import InheritingInlineFormSet, OpsModelAdmin, ReadOnlyInline, ServiceCreateMixin, error_text
from aybiza.admin.flows import FlowAdminMixin, version_flows

from .models import Agent, AgentVersion, ConversationNode
from .services import (
    CONFIG_FIELDS,
    AGENT_VERSIONS,
    agent_capacity_check,
    agent_create,
    agent_version_archive,
    agent_version_create,
    agent_version_publish,
    agent_version_rollback,
)

PUBLISH_PERMISSION = "agents.publish_agentversion"


class AgentVersionInline(ReadOnlyInline):
    model = AgentVersion
    fk_name = "agent"
    fields = ("version", "status", "is_published", "published_at", "published_by", "created_at", "created_by")
    readonly_fields = fields
    ordering = ("-version",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("published_by", "created_by")


@admin.register(Agent)
class AgentAdmin(ServiceCreateMixin, OpsModelAdmin):
    create_service = staticmethod(agent_create)
    create_check = staticmethod(agent_capacity_check)
    list_display = ("name", "tenant", "organization", "status", "phone_integration_type",
                    "latency_optimization_level", "updated_at")
    list_select_related = ("tenant", "organization")
    list_filter = ("status", "phone_integration_type", "latency_optimization_level", "created_at")
    search_fields = ("name", "tenant__name", "tenant__slug", "organization__name")
    readonly_fields = ("organization",)
    inlines = (AgentVersionInline,)
    actions = ("create_version",)
    fieldsets = (
        (None, {"fields": ("name", "description", "organization", "tenant", "status")}),
        ("Prompt and models", {"fields": ("system_prompt", "model_config", "temperature", "context_window_size")}),
        ("Voice and language", {"fields": ("voice_config", "language_config")}),
        ("Conversation timing", {"fields": ("latency_optimization_level", "max_turn_time_ms", "interruption_threshold")}),
        ("Telephony and edge", {"fields": ("phone_integration_type", "edge_optimization")}),
        ("Automation", {"fields": ("automation_config", "settings")}),
    )
    add_fieldsets = (
        (None, {"fields": ("tenant", "name", "description", "status")}),
        ("Prompt and models", {"fields": ("system_prompt", "model_config", "temperature")}),
        ("Voice and language", {"fields": ("voice_config", "language_config")}),
        ("Behaviour", {"fields": ("latency_optimization_level", "phone_integration_type", "automation_config")}),
    )

    @admin.action(description="Snapshot selected agents as a new draft version", permissions=["change"])
    def create_version(self, request, queryset):
        for agent in queryset:
            try:
                version = agent_version_create(agent=agent, actor=request.user, request=request)
            except Exception as exc:  # a service refusal: say it, go on with the others
                self.message_user(request, f"{agent}: {error_text(exc)}", messages.ERROR)
            else:
                self.log_change(request, agent, f"Created draft version {version.version}")
                self.message_user(request, f"{agent}: draft version {version.version} created.", messages.SUCCESS)


class ConversationNodeInline(admin.StackedInline):
    model = ConversationNode
    fk_name = "agent_version"
    formset = InheritingInlineFormSet
    exclude = ("agent",)  # the version's agent
    readonly_fields = ("created_at", "updated_at", "created_by", "updated_by")
    extra = 0
    classes = ("collapse",)


@admin.register(AgentVersion)
class AgentVersionAdmin(ServiceCreateMixin, FlowAdminMixin, OpsModelAdmin):
    create_service = staticmethod(agent_version_create)
    add_fieldsets = ((None, {"fields": ("agent",), "description": "A new draft version: a snapshot of the agent's current configuration."}),)
    list_display = ("__str__", "agent", "version", "status", "is_published", "published_at", "published_by",
                    "created_at")
    list_select_related = ("agent", "published_by")
    list_filter = ("status", "is_published", "created_at")
    search_fields = ("agent__name", "=version")
    readonly_fields = ("status", "is_published", "published_at", "published_by", "version", "agent")
    inlines = (ConversationNodeInline,)
    fieldsets = (
        (None, {"fields": ("agent", "version", "status", "is_published", "published_at", "published_by")}),
        ("Configuration", {"fields": ("system_prompt", "voice_config", "language_config", "model_config",
                                      "automation_config", "settings")}),
        ("Experiments", {"fields": ("a_b_test_config", "performance_metrics")}),
    )
    def get_readonly_fields(self, request, obj=None):
        """A published or archived version's configuration is frozen: it is what the runtime serves (routing)."""
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status in ("published", "archived"):
            readonly += [name for name in CONFIG_FIELDS if name not in readonly]
        return readonly

    flows = version_flows(AGENT_VERSIONS, "agent_version", PUBLISH_PERMISSION, publish=agent_version_publish,
                          rollback=agent_version_rollback, retire=agent_version_archive)


@admin.register(ConversationNode)
class ConversationNodeAdmin(OpsModelAdmin):
    list_display = ("name", "node_type", "agent", "agent_version", "updated_at")
    list_select_related = ("agent", "agent_version__agent")
    list_filter = ("node_type",)
    search_fields = ("name", "agent__name")
    fieldsets = (
        (None, {"fields": ("agent", "agent_version", "name", "node_type")}),
        ("Behaviour", {"fields": ("content", "conditions", "next_node_ids", "tool_config")}),
        ("Canvas", {"fields": ("position_x", "position_y")}),
    )
