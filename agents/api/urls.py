from aybiza.api.routers import router

from .views import AgentVersionViewSet, AgentViewSet, ConversationNodeViewSet

router.register("agents", AgentViewSet, basename="agent")
router.register("agent-versions", AgentVersionViewSet, basename="agent-version")
router.register("conversation-nodes", ConversationNodeViewSet, basename="conversation-node")
