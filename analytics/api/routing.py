"""Call routing (`POST /routing/resolve/`) and experiments (`/agents/{id}/experiment/...`): thin views.

The services are analytics.services.routing.call_resolve, agents.experiments.* and
analytics.services.experiment_results.experiment_results.
"""

from __future__ import annotations

import contextlib

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from agents import experiments
from agents.models import Agent
from aybiza.api.serializers import ActionReasonSerializer
from aybiza.api.viewsets import GenericViewSet

from ..services.experiment_results import experiment_results
from ..services.routing import ResolveRefused, call_resolve


class ResolveSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=32, help_text="The dialed number, E.164 (+15555550123).")
    # "from" is a Python keyword: declared below under its wire name.
    call_sid = serializers.CharField(max_length=255, help_text="The runtime's id of this call.")


ResolveSerializer._declared_fields["from"] = serializers.CharField(
    max_length=32, help_text="The caller's number (E.164, or the carrier's text such as 'anonymous').")


class RoutingViewSet(GenericViewSet):
    """Routing for the voice runtime. Needs the scope `routing:resolve` (never granted by `*`)."""

    scope = "routing"
    scope_action = "resolve"
    serializer_class = ResolveSerializer
    queryset = Agent.objects.none()  # no list, no objects: only the resolve action
    pagination_class = None
    filter_backends = []

    def rls_context(self):
        """No context: `call_resolve` is its own transaction, run as the owner role. The service narrows
        to the key's tenant / organization itself, and the platform's runtime key resolves any number
        (RLS would hide other organizations' numbers)."""
        return contextlib.nullcontext()

    def _narrowing(self) -> dict:
        """The key's tenant, or its organization (the service lets the platform's organization resolve any number)."""
        principal = self.principal
        if principal.tenant_id is not None:
            return {"tenant_id": principal.tenant_id}
        return {"organization_id": principal.organization_id}

    @extend_schema(request=ResolveSerializer, responses={
        201: OpenApiResponse(OpenApiTypes.OBJECT, description="The call is admitted: what to run."),
        404: OpenApiResponse(OpenApiTypes.OBJECT, description="number_unknown"),
        409: OpenApiResponse(OpenApiTypes.OBJECT, description="number_inactive, organization_suspended, "
                             "tenant_suspended, no_agent, agent_inactive, nothing_published, call_sid_conflict"),
        429: OpenApiResponse(OpenApiTypes.OBJECT, description="tenant_at_capacity, trunk_at_capacity"),
    })
    @action(detail=False, methods=["post"])
    def resolve(self, request):
        """Which tenant, agent and version answer a call; reserves one concurrency slot (the call row)."""
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:  # one transaction (the service's), rolled back on a refusal
            answer = call_resolve(to_number=values["to"], from_number=values["from"], call_sid=values["call_sid"],
                                  **self._narrowing(), **self.service_kwargs())
        except ResolveRefused as refusal:
            body = {"code": refusal.code, "message": refusal.message, **refusal.details,
                    "request_id": getattr(getattr(request, "_request", request), "request_id", None)}
            return Response(body, status=refusal.status)
        return Response(answer, status=201)


class ExperimentConfigSerializer(serializers.Serializer):
    a_b_test_config = serializers.JSONField(help_text="The experiment (schema in docs/api.md).")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class PromoteSerializer(serializers.Serializer):
    version_id = serializers.UUIDField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AgentExperimentViewSet(GenericViewSet):
    """An agent's experiment between its versions: configuration, results per variant, stop, promote."""

    scope = "agents"
    queryset = Agent.objects.all()
    serializer_class = ExperimentConfigSerializer
    pagination_class = None
    filter_backends = []

    def _results(self, agent):
        return Response(experiment_results(agent=agent))

    @extend_schema(methods=["get"], responses={200: OpenApiResponse(OpenApiTypes.OBJECT)})
    @extend_schema(methods=["put"], request=ExperimentConfigSerializer,
                   responses={200: OpenApiResponse(OpenApiTypes.OBJECT)})
    @action(detail=True, methods=["get", "put"])
    def experiment(self, request, pk=None):
        """GET: the experiment and its results per variant. PUT: start (or replace) the experiment."""
        agent = self.get_object()
        if request.method == "PUT":
            data = ExperimentConfigSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            experiments.experiment_start(agent=agent, config=data.validated_data["a_b_test_config"],
                                         reason=data.validated_data["reason"], **self.service_kwargs())
        return self._results(agent)

    @extend_schema(request=ActionReasonSerializer, responses={200: OpenApiResponse(OpenApiTypes.OBJECT)})
    @action(detail=True, methods=["post"], url_path="experiment/stop")
    def experiment_stop(self, request, pk=None):
        """End the experiment without a winner: the published version takes every call again."""
        agent = self.get_object()
        reason = ActionReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        experiments.experiment_stop(agent=agent, reason=reason.validated_data["reason"], **self.service_kwargs())
        return self._results(agent)

    @extend_schema(request=PromoteSerializer, responses={200: OpenApiResponse(OpenApiTypes.OBJECT)})
    @action(detail=True, methods=["post"], url_path="experiment/promote")
    def experiment_promote(self, request, pk=None):
        """Publish the winning variant (the publish service, audited) and close the experiment."""
        agent = self.get_object()
        data = PromoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        experiments.experiment_promote(agent=agent, version_id=data.validated_data["version_id"],
                                       reason=data.validated_data["reason"], **self.service_kwargs())
        return self._results(agent)
