"""The URLs `benchmark_http` serves through gunicorn: the production ones plus a bare-DRF baseline.

Loaded only by aybiza/platform/benchmark_wsgi.py, which the benchmark starts on 127.0.0.1; never
part of the production URLconf. The baseline is the calls list of the API minus what the API adds
per request (authentication, scope, rate limit, usage counters, row-level-security context,
access log): the same serializer, filters, ordering and cursor paging over one tenant's calls.
"""

from django.urls import include, path
from rest_framework import generics

from analytics.api.views import CallViewSet
from analytics.models import Call


class BareCallList(generics.ListAPIView):
    authentication_classes, permission_classes, throttle_classes = (), (), ()
    serializer_class = CallViewSet.serializer_class
    filterset_class = CallViewSet.filterset_class
    ordering_fields, ordering = CallViewSet.ordering_fields, CallViewSet.ordering
    pagination_class = CallViewSet.pagination_class

    def get_queryset(self):
        return Call.objects.filter(tenant_id=self.kwargs["tenant"])


urlpatterns = [
    path("benchmark/bare/<uuid:tenant>/calls/", BareCallList.as_view()),
    path("", include("aybiza.urls")),
]
