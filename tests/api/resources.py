"""One object of tenant A per API resource (router basename), for the generated test matrices.

A resource registered on the router without an entry here fails
test_every_resource_has_a_case: every new endpoint must say how to make
an object of it, and then gets the cross-tenant and query-count checks.
"""

import datetime as dt

from django.db import connection
from django.utils import timezone

from tests import factories as f


def _call(tenant):
    number = f.PhoneNumberFactory(tenant=tenant)
    return f.CallFactory(phone_number=number)


def _usage(tenant):
    """A row of the call_analytics_hourly rollup (refreshed by the application in plain-PostgreSQL mode)."""
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO call_analytics.call_analytics_hourly "
            "(hour, tenant_id, agent_id, total_calls, avg_duration, avg_quality, total_cost, successful_calls) "
            "VALUES (%s, %s, NULL, 7, 60, 0.9, 1.5, 6)",
            [hour, tenant.pk],
        )
    return None


def _key(tenant):
    from security_app.services.api_keys import api_key_create

    user = f.UserFactory(tenant=tenant)
    row, _ = api_key_create(organization=tenant.organization, tenant=tenant, actor=user, name="victim",
                            permissions={"agents": ["read"]})
    return row


def _routed_number(tenant):
    """A number that resolves: active, answered by an active agent with a published version."""
    agent = f.AgentFactory(tenant=tenant)
    f.AgentVersionFactory(agent=agent, published=True)
    return f.PhoneNumberFactory(tenant=tenant, agent=agent, status="active")


def _experiment_agent(tenant):
    agent = f.AgentFactory(tenant=tenant)
    published = f.AgentVersionFactory(agent=agent, published=True)
    challenger = f.AgentVersionFactory(agent=agent, status="testing")
    published.a_b_test_config = {"experiment_id": "matrix", "variants": [
        {"version_id": str(published.id), "weight": 50}, {"version_id": str(challenger.id), "weight": 50}]}
    published.save(update_fields=["a_b_test_config"])
    return agent


def _subject_request(tenant):
    from security_app.services.subject_requests import data_subject_request_create

    return data_subject_request_create(organization=tenant.organization, tenant=tenant, kind="export",
                                       subject_phone="+442079460123")


def _draft_version(tenant):
    return f.AgentVersionFactory(agent=f.AgentFactory(tenant=tenant))


def _workflow_version(tenant):
    return f.WorkflowVersionFactory(workflow=f.WorkflowFactory(tenant=tenant))


def _execution_log(tenant):
    version = f.WorkflowVersionFactory(workflow=f.WorkflowFactory(tenant=tenant), published=True)
    return f.ExecutionLogFactory(workflow_version=version)


OBJECTS = {
    "agent": lambda t: f.AgentFactory(tenant=t),
    "agent-experiment": _experiment_agent,  # /agents/{id}/experiment/... (served by analytics)
    "routing": _routed_number,  # POST /routing/resolve/: no list, no detail; see test_routing_resolve_matrix
    "agent-version": _draft_version,
    "conversation-node": lambda t: f.ConversationNodeFactory(agent_version=_draft_version(t)),
    "phone-number": lambda t: f.PhoneNumberFactory(tenant=t),
    "phone-number-reservation": lambda t: f.PhoneNumberReservationFactory(tenant=t),
    "porting-request": lambda t: f.PortingRequestFactory(tenant=t),
    "sip-trunk": lambda t: f.SipTrunkFactory(tenant=t),
    "sip-trunk-health-check": lambda t: f.SipTrunkHealthCheckFactory(sip_trunk=f.SipTrunkFactory(tenant=t)),
    "phone-number-health-period": lambda t: f.PhoneNumberHealthPeriodFactory(phone_number=f.PhoneNumberFactory(tenant=t)),
    "call": _call,
    "call-transcript": lambda t: f.CallTranscriptFactory(call=_call(t)),
    "call-analytics": lambda t: f.CallAnalyticsFactory(call=_call(t)),
    "call-metric": lambda t: f.DetailedMetricFactory(call=_call(t)),
    "usage": _usage,
    "workflow": lambda t: f.WorkflowFactory(tenant=t),
    "workflow-version": _workflow_version,
    "workflow-node": lambda t: f.WorkflowNodeFactory(workflow_version=_workflow_version(t)),
    "workflow-connection": lambda t: f.WorkflowConnectionFactory(workflow_version=_workflow_version(t)),
    "tool": lambda t: f.ToolFactory(tenant=t),
    "tool-version": lambda t: f.ToolVersionFactory(tool=f.ToolFactory(tenant=t)),
    "execution-log": _execution_log,
    "node-execution": lambda t: f.NodeExecutionFactory(execution_log=_execution_log(t)),
    "api-key": _key,
    "audit-log": lambda t: f.AuditLogFactory(tenant=t),
    "security-event": lambda t: f.SecurityEventFactory(tenant=t),
    "prompt-injection-attempt": lambda t: f.PromptInjectionAttemptFactory(tenant=t),
    "voice-security-event": lambda t: f.VoiceSecurityEventFactory(tenant=t),
    "compliance-report": lambda t: f.ComplianceReportFactory(tenant=t),
    "data-subject-request": _subject_request,
    "alert-rule": lambda t: f.AlertRuleFactory(tenant=t),
    "webhook-endpoint": lambda t: f.WebhookEndpointFactory(tenant=t),
    "alert": lambda t: f.AlertFactory(rule=f.AlertRuleFactory(tenant=t)),
    "alert-delivery": lambda t: f.AlertDeliveryFactory(
        notification=f.AlertNotificationFactory(rule=f.AlertRuleFactory(tenant=t))),
}
