"""FilterSets of the agents API (explicit fields, `q` search)."""

import django_filters

from aybiza.api.filters import SearchFilterSet

from .choices import AgentStatus, AgentVersionStatus, ConversationNodeType, LatencyOptimizationLevel, PhoneIntegrationType
from .models import Agent, AgentVersion, ConversationNode


class AgentFilterSet(SearchFilterSet):
    search_fields = ("name", "description")
    status = django_filters.MultipleChoiceFilter(choices=AgentStatus.choices)
    latency_optimization_level = django_filters.ChoiceFilter(choices=LatencyOptimizationLevel.choices)
    phone_integration_type = django_filters.ChoiceFilter(choices=PhoneIntegrationType.choices)
    tenant_id = django_filters.UUIDFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Agent
        fields = ["q", "status", "latency_optimization_level", "phone_integration_type", "tenant_id", "created_after"]


class AgentVersionFilterSet(SearchFilterSet):
    search_fields = ("system_prompt",)
    agent_id = django_filters.UUIDFilter()
    status = django_filters.MultipleChoiceFilter(choices=AgentVersionStatus.choices)
    is_published = django_filters.BooleanFilter()

    class Meta:
        model = AgentVersion
        fields = ["q", "agent_id", "status", "is_published"]


class ConversationNodeFilterSet(SearchFilterSet):
    search_fields = ("name", "content")
    agent_id = django_filters.UUIDFilter()
    agent_version_id = django_filters.UUIDFilter()
    node_type = django_filters.MultipleChoiceFilter(choices=ConversationNodeType.choices)

    class Meta:
        model = ConversationNode
        fields = ["q", "agent_id", "agent_version_id", "node_type"]
