"""Related rows belong together (aybiza/core/db/consistency.py), checked by every full_clean().

Each case builds a consistent row with the factories (which must pass), then
breaks one relation: full_clean() must then fail on exactly the expected field.
"""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.forms import modelform_factory
from django.test.utils import CaptureQueriesContext

from agents.models import Agent
from analytics.models import Call
from automation.models import Tool
from telephony.models import PhoneNumber, SipTrunk

from . import factories as f

pytestmark = pytest.mark.django_db


def other_organization(row):
    row.organization = f.OrganizationFactory()


def other_tenant_agent_and_version(row):
    version = f.AgentVersionFactory()
    row.agent, row.agent_version = version.agent, version


def version_of_another_agent(row):
    row.agent_version = f.AgentVersionFactory(agent=f.AgentFactory(tenant=row.tenant))


def version_without_agent(row):
    row.agent = None


def number_of_another_tenant(row):
    row.phone_number = f.PhoneNumberFactory()


def execution_of_another_tenant(row):
    version = f.WorkflowVersionFactory()
    row.workflow, row.workflow_version = version.workflow, version


def execution_of_another_workflow(row):
    row.workflow_version = f.WorkflowVersionFactory(workflow=f.WorkflowFactory(tenant=row.tenant))


def tool_of_another_tenant(row):
    row.tool = f.ToolFactory()


def tool_of_another_organization(row):
    row.tool = f.ToolFactory(tenant=None, organization=f.OrganizationFactory())


def node_of_another_version(name):
    def breaker(row):
        setattr(row, name, f.WorkflowNodeFactory(workflow_version=f.WorkflowVersionFactory(workflow=row.workflow)))
    return breaker


ORGANIZATION_CASES = [
    pytest.param(factory, other_organization, "tenant", id=f"{factory.__name__}-tenant-of-another-organization")
    for factory in (
        f.AgentFactory, f.PhoneNumberFactory, f.PhoneNumberReservationFactory, f.PortingRequestFactory,
        f.SipTrunkFactory, f.CallFactory, f.CallAnalyticsFactory, f.WorkflowFactory, f.ToolFactory,
        f.ExecutionLogFactory, f.ApiKeyFactory, f.AuditLogFactory, f.SecurityEventFactory,
        f.PromptInjectionAttemptFactory, f.VoiceSecurityEventFactory, f.ApiAccessLogFactory,
        f.ComplianceReportFactory,
    )
]

RELATION_CASES = [
    pytest.param(f.UserFactory, lambda u: setattr(u, "tenant", f.TenantFactory()), "tenant", id="user-tenant"),
    pytest.param(f.UserFactory, lambda u: setattr(u, "role", f.RoleFactory()), "role", id="user-role"),
    pytest.param(f.PhoneNumberFactory, lambda p: setattr(p, "agent", f.AgentFactory()), "agent", id="number-agent"),
    pytest.param(f.CallFactory, other_tenant_agent_and_version, "agent", id="call-agent"),
    pytest.param(f.CallFactory, version_of_another_agent, "agent_version", id="call-agent-version"),
    pytest.param(f.CallFactory, version_without_agent, "agent_version", id="call-version-without-agent"),
    pytest.param(f.CallFactory, number_of_another_tenant, "phone_number", id="call-number"),
    pytest.param(f.CallAnalyticsFactory, other_tenant_agent_and_version, "agent", id="analytics-agent"),
    pytest.param(f.CallAnalyticsFactory, version_of_another_agent, "agent_version", id="analytics-agent-version"),
    pytest.param(f.CallAnalyticsFactory, number_of_another_tenant, "phone_number", id="analytics-number"),
    pytest.param(f.PromptInjectionAttemptFactory, other_tenant_agent_and_version, "agent", id="injection-agent"),
    pytest.param(f.PromptInjectionAttemptFactory, version_of_another_agent, "agent_version",
                 id="injection-agent-version"),
    pytest.param(f.VoiceSecurityEventFactory, other_tenant_agent_and_version, "agent", id="voice-agent"),
    pytest.param(f.VoiceSecurityEventFactory, version_of_another_agent, "agent_version", id="voice-agent-version"),
    pytest.param(f.ConversationNodeFactory, lambda n: setattr(n, "agent", f.AgentFactory(tenant=n.agent.tenant)),
                 "agent_version", id="conversation-node-agent"),
    pytest.param(f.WorkflowNodeFactory, lambda n: setattr(n, "workflow", f.WorkflowFactory(tenant=n.workflow.tenant)),
                 "workflow_version", id="workflow-node-workflow"),
    pytest.param(f.WorkflowNodeFactory, tool_of_another_tenant, "tool", id="workflow-node-tool-of-another-tenant"),
    pytest.param(f.WorkflowNodeFactory, tool_of_another_organization, "tool",
                 id="workflow-node-tool-of-another-organization"),
    pytest.param(f.WorkflowConnectionFactory,
                 lambda c: setattr(c, "workflow", f.WorkflowFactory(tenant=c.workflow.tenant)),
                 "workflow_version", id="connection-workflow"),
    pytest.param(f.WorkflowConnectionFactory, node_of_another_version("source_node"), "source_node",
                 id="connection-source"),
    pytest.param(f.WorkflowConnectionFactory, node_of_another_version("target_node"), "target_node",
                 id="connection-target"),
    pytest.param(f.ExecutionLogFactory, execution_of_another_tenant, "workflow", id="execution-workflow"),
    pytest.param(f.ExecutionLogFactory, execution_of_another_workflow, "workflow_version",
                 id="execution-workflow-version"),
    pytest.param(f.NodeExecutionFactory, lambda n: setattr(n, "node", f.WorkflowNodeFactory()), "node",
                 id="node-execution-node"),
    pytest.param(f.ToolFactory, lambda t: setattr(t, "is_system_tool", True), "is_system_tool",
                 id="system-tool-with-owner"),
    pytest.param(f.CallTranscriptFactory, lambda t: setattr(t, "call_sid", "CA-another-call"), "call_sid",
                 id="transcript-call-sid"),
    pytest.param(f.SipTrunkFactory, lambda s: setattr(s, "max_concurrent_calls", s.tenant.max_concurrent_calls + 1),
                 "max_concurrent_calls", id="sip-trunk-above-tenant-ceiling"),
]


@pytest.mark.parametrize(("factory", "breaker", "field"), ORGANIZATION_CASES + RELATION_CASES)
def test_an_inconsistent_row_is_refused_on_exactly_its_field(factory, breaker, field):
    row = factory()
    row.full_clean()  # the factory's graph is consistent
    breaker(row)
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert set(caught.value.message_dict) == {field}


def test_messages_name_the_relation():
    number = f.PhoneNumberFactory()
    number.agent = f.AgentFactory()
    with pytest.raises(ValidationError) as caught:
        number.full_clean()
    assert caught.value.message_dict == {"agent": ["The agent belongs to another tenant."]}


@pytest.mark.parametrize("tenant_factory", [f.TenantFactory, lambda: f.TenantFactory(organization=f.OrganizationFactory())])
def test_a_system_tool_serves_every_tenant(tenant_factory):
    system_tool = f.ToolFactory(tenant=None, organization=None, is_system_tool=True, created_by=None)
    system_tool.full_clean()
    node = f.WorkflowNodeFactory(workflow_version__workflow__tenant=tenant_factory(), tool=system_tool)
    node.full_clean()


def test_an_organization_tool_serves_the_tenants_of_its_organization_only():
    node = f.WorkflowNodeFactory()
    node.tool = f.ToolFactory(tenant=None, organization=node.workflow.organization)
    node.full_clean()
    node.tool = f.ToolFactory(tenant=f.TenantFactory(organization=node.workflow.organization))
    with pytest.raises(ValidationError, match="another tenant"):
        node.full_clean()


def test_a_tool_without_owner_need_not_be_a_system_tool():
    Tool(name="platform", tool_type="http_api", input_schema={}, output_schema={}).full_clean()


def test_a_sip_trunk_edit_cannot_raise_its_ceiling_above_the_tenant():
    trunk = f.SipTrunkFactory(tenant=f.TenantFactory(max_concurrent_calls=20), max_concurrent_calls=5)
    trunk.max_concurrent_calls = 20
    trunk.full_clean()
    trunk.max_concurrent_calls = 21
    with pytest.raises(ValidationError, match=r"at most 20 concurrent calls"):
        trunk.full_clean()
    trunk.tenant.max_concurrent_calls = None  # no limit
    trunk.full_clean()


def test_unset_required_relations_are_left_to_clean_fields():
    """A node not yet given its agent (an admin inline fills it on save) is not refused for consistency."""
    node = f.ConversationNodeFactory.build(agent=None, agent_version=f.AgentVersionFactory())
    node.agent_id = None
    assert node.consistency_errors() == {}


def test_the_rules_read_each_related_row_once():
    """One query per related row (tenant, agent, version, number), none when cached.

    full_clean() also runs Django's own queries (an EXISTS per foreign key,
    uniqueness, check constraints): the rules add only theirs.
    """
    call = Call.objects.get(pk=f.CallFactory().pk)  # nothing cached
    with CaptureQueriesContext(connection) as queries:
        call.check_consistency()
    assert len(queries) == 4, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        call.check_consistency()
    assert len(queries) == 0

    fresh = Call.objects.get(pk=call.pk)
    with CaptureQueriesContext(connection) as queries:
        fresh.full_clean(validate_unique=False, validate_constraints=False)
    assert len(queries) <= 5 + 4  # Django's EXISTS per FK (5) + the rules' reads (4)


def test_the_rules_use_rows_already_loaded():
    call = Call.objects.select_related("tenant", "agent", "agent_version", "phone_number").get(pk=f.CallFactory().pk)
    with CaptureQueriesContext(connection) as queries:
        call.check_consistency()
    assert len(queries) == 0


# ---- forms: the admin's ModelForms call full_clean() --------------------------------------------------------

def test_a_model_form_reports_the_relation_on_its_field():
    agent = f.AgentFactory()
    form_class = modelform_factory(Agent, fields=["name", "tenant", "system_prompt"])
    form = form_class(instance=agent, data={"name": agent.name, "tenant": f.TenantFactory().pk,
                                            "system_prompt": agent.system_prompt})
    assert not form.is_valid()
    assert form.errors == {"tenant": ["The tenant belongs to another organization."]}


def test_an_error_on_a_field_the_form_lacks_becomes_a_form_error():
    number = f.PhoneNumberFactory()
    other = f.TenantFactory(organization=number.organization)
    form_class = modelform_factory(PhoneNumber, fields=["tenant"])
    form = form_class(instance=number, data={"tenant": other.pk})
    assert not form.is_valid()  # the number's agent stays with the old tenant
    assert form.errors == {NON_FIELD_ERRORS: ["The agent belongs to another tenant."]}


def test_the_sip_trunk_form_refuses_a_ceiling_above_the_tenant():
    trunk = f.SipTrunkFactory()
    form_class = modelform_factory(SipTrunk, fields=["max_concurrent_calls"])
    form = form_class(instance=trunk, data={"max_concurrent_calls": trunk.tenant.max_concurrent_calls + 1})
    assert not form.is_valid()
    assert list(form.errors) == ["max_concurrent_calls"]


def test_an_admin_inline_row_is_checked_with_its_parents_keys():
    """The inline hides `workflow`; InheritingInlineFormSet fills it before validation."""
    from django.forms import inlineformset_factory

    from automation.models import WorkflowNode, WorkflowVersion
    from aybiza.admin.base import InheritingInlineFormSet

    version = f.WorkflowVersionFactory()
    formset_class = inlineformset_factory(WorkflowVersion, WorkflowNode, formset=InheritingInlineFormSet,
                                          fk_name="workflow_version", fields=["name", "node_type", "tool"], extra=1)

    def post(tool):
        data = {"nodes-TOTAL_FORMS": "1", "nodes-INITIAL_FORMS": "0", "nodes-0-name": "Step",
                "nodes-0-node_type": "action", "nodes-0-tool": str(tool.pk)}
        return formset_class(data=data, instance=version, prefix="nodes")

    refused = post(f.ToolFactory())
    assert not refused.is_valid()
    assert refused.errors == [{"tool": ["The tool belongs to another tenant."]}]
    assert post(f.ToolFactory(tenant=version.workflow.tenant)).is_valid()


def test_a_key_to_no_row_is_reported_by_django_not_by_the_rules():
    import uuid

    number = f.PhoneNumberFactory()
    number.agent_id = uuid.uuid4()
    with pytest.raises(ValidationError) as caught:
        number.full_clean()
    assert list(caught.value.message_dict) == ["agent"]
    assert "is not a valid choice" in caught.value.message_dict["agent"][0]
