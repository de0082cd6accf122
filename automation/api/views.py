from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from aybiza.api.serializers import ActionReasonSerializer
from aybiza.api.viewsets import CreateReadViewSet, ModelViewSet, ReadOnlyViewSet, TimeSeriesMixin
from aybiza.core.errors import TransitionRefused

from .. import services
from ..filtersets import (
    ExecutionLogFilterSet,
    NodeExecutionFilterSet,
    ToolFilterSet,
    ToolVersionFilterSet,
    WorkflowConnectionFilterSet,
    WorkflowFilterSet,
    WorkflowNodeFilterSet,
    WorkflowVersionFilterSet,
)
from ..models import (
    ExecutionLog,
    NodeExecution,
    Tool,
    ToolVersion,
    Workflow,
    WorkflowConnection,
    WorkflowNode,
    WorkflowVersion,
)
from .serializers import (
    ExecutionLogSerializer,
    NodeExecutionSerializer,
    ToolSerializer,
    ToolVersionSerializer,
    WorkflowConnectionSerializer,
    WorkflowNodeSerializer,
    WorkflowSerializer,
    WorkflowVersionSerializer,
)

EDITABLE = ("draft", "testing")


class WorkflowViewSet(ModelViewSet):
    """Automation workflows. Publish a version (workflow-versions) to make it live."""

    scope = "workflows"
    queryset = Workflow.objects.all()
    serializer_class = WorkflowSerializer
    filterset_class = WorkflowFilterSet
    ordering_fields = ("name", "created_at", "updated_at", "execution_count", "success_rate")
    ordering = ("-created_at", "id")


class WorkflowVersionViewSet(CreateReadViewSet):
    """Workflow versions: a new one snapshots the workflow's trigger_config; publish/rollback/archive."""

    scope = "workflows"
    queryset = WorkflowVersion.objects.all()
    serializer_class = WorkflowVersionSerializer
    filterset_class = WorkflowVersionFilterSet
    ordering_fields = ("version", "created_at")
    ordering = ("workflow_id", "-version")
    service_object_kwarg = "workflow_version"

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.workflow_version_create(
            workflow=data["workflow"], changelog=data.get("changelog") or "", **self.service_kwargs())

    @extend_schema(request=ActionReasonSerializer, responses=WorkflowVersionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish this draft/testing version; the previously published one is archived."""
        return self.transition(services.workflow_version_publish)

    @extend_schema(request=ActionReasonSerializer, responses=WorkflowVersionSerializer)
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        """Re-publish an archived version older than the published one."""
        return self.transition(services.workflow_version_rollback)

    @extend_schema(request=ActionReasonSerializer, responses=WorkflowVersionSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive a draft/testing version."""
        return self.transition(services.workflow_version_archive)


class _VersionContentViewSet(ModelViewSet):
    """Nodes/connections belong to a version; only draft/testing versions can change."""

    def _ensure_editable(self, version):
        if version.status not in EDITABLE:
            raise TransitionRefused(
                f"Workflow version {version.version} is {version.status}: only draft or testing versions can be edited.",
                field="workflow_version",
            )

    def perform_create(self, serializer):
        version = serializer.validated_data["workflow_version"]
        self._ensure_editable(version)
        instance = self.save_checked(serializer, workflow_id=version.workflow_id, created_by=self.principal.actor)
        self.audit("create", instance, after={"workflow_version": str(version.pk)})

    def perform_update(self, serializer):
        self._ensure_editable(serializer.instance.workflow_version)
        super().perform_update(serializer)

    def perform_destroy(self, instance):
        self._ensure_editable(instance.workflow_version)
        super().perform_destroy(instance)


class WorkflowNodeViewSet(_VersionContentViewSet):
    """Steps of a workflow version."""

    scope = "workflows"
    queryset = WorkflowNode.objects.all()
    serializer_class = WorkflowNodeSerializer
    filterset_class = WorkflowNodeFilterSet
    ordering_fields = ("name", "created_at")
    ordering = ("workflow_version_id", "created_at", "id")


class WorkflowConnectionViewSet(_VersionContentViewSet):
    """Edges between the steps of a workflow version."""

    scope = "workflows"
    queryset = WorkflowConnection.objects.all()
    serializer_class = WorkflowConnectionSerializer
    filterset_class = WorkflowConnectionFilterSet
    ordering_fields = ("created_at",)
    ordering = ("workflow_version_id", "created_at", "id")


class ToolViewSet(ModelViewSet):
    """Tools agents and workflows can call; input/output schemas must be valid JSON Schema.
    System tools are readable by everyone and changeable by no one."""

    scope = "tools"
    queryset = Tool.objects.all()
    serializer_class = ToolSerializer
    filterset_class = ToolFilterSet
    ordering_fields = ("name", "created_at", "usage_count")
    ordering = ("name", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        tenant = data.pop("tenant", None)
        if tenant is None and self.principal.tenant_id is not None:
            tenant = self.tenant_object({})
        organization = tenant.organization if tenant is not None else self.principal.api_key.organization
        serializer.instance = services.tool_create(organization=organization, tenant=tenant, **self.service_kwargs(),
                                                   **data)


class ToolVersionViewSet(CreateReadViewSet):
    """Tool versions: a new one copies what it does not set from the tool; publish/rollback/deprecate."""

    scope = "tools"
    queryset = ToolVersion.objects.all()
    serializer_class = ToolVersionSerializer
    filterset_class = ToolVersionFilterSet
    ordering_fields = ("version", "created_at")
    ordering = ("tool_id", "-version")
    service_object_kwarg = "tool_version"

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        tool = data.pop("tool")
        if tool.is_system_tool or tool.organization_id is None:
            raise TransitionRefused("System tools cannot be changed through the API.", field="tool")
        data["changelog"] = data.get("changelog") or ""
        serializer.instance = services.tool_version_create(tool=tool, **self.service_kwargs(), **data)

    @extend_schema(request=ActionReasonSerializer, responses=ToolVersionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish this version: its config and schemas become the tool's."""
        return self.transition(services.tool_version_publish)

    @extend_schema(request=ActionReasonSerializer, responses=ToolVersionSerializer)
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        """Re-publish a deprecated version older than the published one."""
        return self.transition(services.tool_version_rollback)

    @extend_schema(request=ActionReasonSerializer, responses=ToolVersionSerializer)
    @action(detail=True, methods=["post"])
    def deprecate(self, request, pk=None):
        """Deprecate a draft/testing version."""
        return self.transition(services.tool_version_deprecate)


class ExecutionLogViewSet(TimeSeriesMixin, ReadOnlyViewSet):
    """Workflow runs (a hypertable), newest first."""

    scope = "execution-logs"
    queryset = ExecutionLog.objects.all()
    serializer_class = ExecutionLogSerializer
    filterset_class = ExecutionLogFilterSet
    ordering_fields = ("timestamp",)
    ordering = ("-timestamp",)

    @extend_schema(responses=NodeExecutionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="node-executions")
    def node_executions(self, request, pk=None):
        """The run's node executions in order (at most 1,000)."""
        log = self.get_object()
        rows = NodeExecution.objects.filter(execution_log_id=log.pk).order_by("started_at", "id")[:1000]
        return Response(NodeExecutionSerializer(rows, many=True).data)


class NodeExecutionViewSet(TimeSeriesMixin, ReadOnlyViewSet):
    """Single node executions of workflow runs."""

    scope = "execution-logs"
    queryset = NodeExecution.objects.all()
    serializer_class = NodeExecutionSerializer
    filterset_class = NodeExecutionFilterSet
    ordering_fields = ("started_at",)
    ordering = ("-started_at",)
