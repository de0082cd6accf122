from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from aybiza.api.serializers import ActionReasonSerializer
from aybiza.api.viewsets import CreateReadViewSet, ModelViewSet
from aybiza.core.errors import TransitionRefused

from .. import services
from ..filtersets import AgentFilterSet, AgentVersionFilterSet, ConversationNodeFilterSet
from ..models import Agent, AgentVersion, ConversationNode
from .serializers import AgentSerializer, AgentVersionSerializer, ConversationNodeSerializer

EDITABLE_VERSION_STATES = ("draft", "testing")


class AgentViewSet(ModelViewSet):
    """Voice agents. Status changes come from publishing versions (agent-versions)."""

    scope = "agents"
    queryset = Agent.objects.all()
    serializer_class = AgentSerializer
    filterset_class = AgentFilterSet
    ordering_fields = ("name", "created_at", "updated_at", "status")
    ordering = ("-created_at", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        tenant = self.tenant_object(data)
        serializer.instance = services.agent_create(tenant=tenant, **self.service_kwargs(), **data)


class AgentVersionViewSet(CreateReadViewSet):
    """Agent versions: a new one snapshots the agent's configuration; publish/rollback/archive move it."""

    scope = "agents"
    queryset = AgentVersion.objects.all()
    serializer_class = AgentVersionSerializer
    filterset_class = AgentVersionFilterSet
    ordering_fields = ("version", "created_at")
    ordering = ("agent_id", "-version")
    service_object_kwarg = "agent_version"

    def perform_create(self, serializer):
        agent = serializer.validated_data["agent"]
        serializer.instance = services.agent_version_create(agent=agent, **self.service_kwargs())

    @extend_schema(request=ActionReasonSerializer, responses=AgentVersionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish this draft/testing version; the previously published one is archived."""
        return self.transition(services.agent_version_publish)

    @extend_schema(request=ActionReasonSerializer, responses=AgentVersionSerializer)
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        """Re-publish this archived version (older than the published one)."""
        return self.transition(services.agent_version_rollback)

    @extend_schema(request=ActionReasonSerializer, responses=AgentVersionSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive a draft/testing version."""
        return self.transition(services.agent_version_archive)


class ConversationNodeViewSet(ModelViewSet):
    """Nodes of an agent version's conversation graph; only draft/testing versions can be edited."""

    scope = "agents"
    queryset = ConversationNode.objects.all()
    serializer_class = ConversationNodeSerializer
    filterset_class = ConversationNodeFilterSet
    ordering_fields = ("name", "created_at", "position_x", "position_y")
    ordering = ("agent_version_id", "created_at", "id")

    def _ensure_editable(self, version):
        if version.status not in EDITABLE_VERSION_STATES:
            raise TransitionRefused(
                f"Agent version {version.version} is {version.status}: only draft or testing versions can be edited.",
                field="agent_version",
            )

    def perform_create(self, serializer):
        version = serializer.validated_data["agent_version"]
        self._ensure_editable(version)
        instance = self.save_checked(serializer, agent_id=version.agent_id, created_by=self.principal.actor)
        self.audit("create", instance, after={"agent_version": str(version.pk), "name": instance.name})

    def perform_update(self, serializer):
        self._ensure_editable(serializer.instance.agent_version)
        super().perform_update(serializer)

    def perform_destroy(self, instance):
        self._ensure_editable(instance.agent_version)
        super().perform_destroy(instance)
