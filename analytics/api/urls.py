from aybiza.api.routers import router

from .views import CallAnalyticsViewSet, CallTranscriptViewSet, CallViewSet, DetailedMetricViewSet, UsageViewSet

router.register("calls", CallViewSet, basename="call")
router.register("call-transcripts", CallTranscriptViewSet, basename="call-transcript")
router.register("call-analytics", CallAnalyticsViewSet, basename="call-analytics")
router.register("call-metrics", DetailedMetricViewSet, basename="call-metric")
router.register("usage", UsageViewSet, basename="usage")
