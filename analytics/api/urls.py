from aybiza.api.routers import router

from .routing import AgentExperimentViewSet, RoutingViewSet
from .views import CallAnalyticsViewSet, CallTranscriptViewSet, CallViewSet, DetailedMetricViewSet, UsageViewSet

router.register("calls", CallViewSet, basename="call")
router.register("call-transcripts", CallTranscriptViewSet, basename="call-transcript")
router.register("call-analytics", CallAnalyticsViewSet, basename="call-analytics")
router.register("call-metrics", DetailedMetricViewSet, basename="call-metric")
router.register("usage", UsageViewSet, basename="usage")
router.register("routing", RoutingViewSet, basename="routing")
# /agents/{id}/experiment/...: the agent resource (scope "agents"), served here because results read calls.
router.register("agents", AgentExperimentViewSet, basename="agent-experiment")
