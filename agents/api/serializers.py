from rest_framework import serializers

from aybiza.api.serializers import ScopedPrimaryKeyRelatedField, TenantOwnedSerializer, VersionedSerializerMixin

from ..models import Agent, AgentVersion, ConversationNode

AGENT_CONFIG = (
    "system_prompt", "voice_config", "language_config", "model_config", "settings", "latency_optimization_level",
    "max_turn_time_ms", "interruption_threshold", "context_window_size", "temperature", "automation_config",
    "phone_integration_type", "edge_optimization",
)


class AgentSerializer(VersionedSerializerMixin, TenantOwnedSerializer):
    class Meta:
        model = Agent
        fields = ("id", "name", "description", "organization", "tenant", "status", *AGENT_CONFIG,
                  "created_by", "updated_by", "created_at", "updated_at", "version")
        read_only_fields = ("organization", "status", "created_by", "updated_by")


class AgentVersionSerializer(serializers.ModelSerializer):
    agent = ScopedPrimaryKeyRelatedField(queryset=Agent.objects.all())

    class Meta:
        model = AgentVersion
        fields = ("id", "agent", "version", "status", "is_published", "published_at", "published_by",
                  "system_prompt", "voice_config", "language_config", "model_config", "settings",
                  "automation_config", "performance_metrics", "a_b_test_config", "created_by", "created_at")
        read_only_fields = tuple(f for f in fields if f != "agent")


class ConversationNodeSerializer(serializers.ModelSerializer):
    agent_version = ScopedPrimaryKeyRelatedField(queryset=AgentVersion.objects.all())

    class Meta:
        model = ConversationNode
        fields = ("id", "agent", "agent_version", "name", "node_type", "content", "conditions", "next_node_ids",
                  "tool_config", "position_x", "position_y", "created_by", "updated_by", "created_at", "updated_at")
        read_only_fields = ("agent", "created_by", "updated_by")

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["agent_version"].read_only = True
        return fields
