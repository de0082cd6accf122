from aybiza.api.routers import router

from .views import (
    ExecutionLogViewSet, NodeExecutionViewSet, ToolVersionViewSet, ToolViewSet, WorkflowConnectionViewSet,
    WorkflowNodeViewSet, WorkflowVersionViewSet, WorkflowViewSet,
)

router.register("workflows", WorkflowViewSet, basename="workflow")
router.register("workflow-versions", WorkflowVersionViewSet, basename="workflow-version")
router.register("workflow-nodes", WorkflowNodeViewSet, basename="workflow-node")
router.register("workflow-connections", WorkflowConnectionViewSet, basename="workflow-connection")
router.register("tools", ToolViewSet, basename="tool")
router.register("tool-versions", ToolVersionViewSet, basename="tool-version")
router.register("execution-logs", ExecutionLogViewSet, basename="execution-log")
router.register("node-executions", NodeExecutionViewSet, basename="node-execution")
