"""The URLs the benchmarks serve: the production ones plus bare-DRF baselines.

Used only by the benchmark commands: `benchmark_http` (through aybiza/platform/benchmark_wsgi.py, in its
own gunicorn on 127.0.0.1) and `benchmark_api` (in its process); never part of the production URLconf.
A baseline is an API list minus what the API adds per request (authentication, scope, rate limit, usage
counters, row-level-security context, access log): the same serializer, filters, ordering and paging
over one tenant's rows.
"""

from django.urls import include, path
from rest_framework import generics

from agents.api.views import AgentViewSet
from analytics.api.views import CallViewSet


def bare_list(viewset):
    """A ListAPIView serving `viewset`'s rows of the tenant in the URL, with nothing else around it."""

    class BareList(generics.ListAPIView):
        authentication_classes, permission_classes, throttle_classes = (), (), ()
        serializer_class = viewset.serializer_class
        filterset_class = viewset.filterset_class
        ordering_fields, ordering = viewset.ordering_fields, viewset.ordering
        pagination_class = viewset.pagination_class

        def get_queryset(self):
            return viewset.queryset.model.objects.filter(tenant_id=self.kwargs["tenant"])

    return BareList.as_view()


urlpatterns = [
    path("benchmark/bare/<uuid:tenant>/calls/", bare_list(CallViewSet)),
    path("benchmark/bare/<uuid:tenant>/agents/", bare_list(AgentViewSet)),
    path("", include("aybiza.urls")),
]
