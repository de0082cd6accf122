"""Agent, workflow and tool versions: publish, rollback, archive/deprecate; one published per parent."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from agents.models import Agent, AgentVersion
from agents.services import (
    AGENT_VERSIONS,
    agent_version_archive,
    agent_version_create,
    agent_version_publish,
    agent_version_rollback,
)
from automation.models import Tool, ToolVersion, Workflow, WorkflowVersion
from automation.services import (
    TOOL_VERSIONS,
    WORKFLOW_VERSIONS,
    tool_create,
    tool_version_create,
    tool_version_deprecate,
    tool_version_publish,
    tool_version_rollback,
    validate_json_schema,
    workflow_version_archive,
    workflow_version_create,
    workflow_version_publish,
    workflow_version_rollback,
)
from tests import factories as f

from .conftest import assert_audited, audit_of, refused

pytestmark = pytest.mark.django_db


# ---- agents ---------------------------------------------------------------------------------------------------

@pytest.fixture
def agent(tenant):
    return f.AgentFactory(tenant=tenant)


def draft(agent, ops, prompt):
    Agent.objects.filter(pk=agent.pk).update(system_prompt=prompt)
    return agent_version_create(agent=Agent.objects.get(pk=agent.pk), actor=ops)


def test_agent_publish_then_publish_next_then_rollback(agent, ops):
    v1 = draft(agent, ops, "prompt one")
    v2 = draft(agent, ops, "prompt two")
    assert (v1.version, v2.version, v1.status) == (1, 2, "draft")
    audit_of(v1, "agent_version.create")

    v1 = agent_version_publish(agent_version=v1, actor=ops, reason="go live")
    assert (v1.status, v1.is_published, v1.published_by) == ("published", True, ops)
    assert v1.published_at is not None
    assert Agent.objects.get(pk=agent.pk).system_prompt == "prompt one"
    assert_audited(v1, "agent_version.publish", actor=ops,
                   before={"status": "draft", "is_published": False},
                   after={"status": "published", "is_published": True, "published_by": str(ops.pk)},
                   reason="go live")

    v2 = agent_version_publish(agent_version=v2, actor=ops)
    v1 = AgentVersion.objects.get(pk=v1.pk)
    assert (v1.status, v1.is_published) == ("archived", False)
    assert Agent.objects.get(pk=agent.pk).system_prompt == "prompt two"
    log = audit_of(v2, "agent_version.publish")
    assert log.details["unpublished"] == {"id": str(v1.pk), "version": 1}

    v1 = agent_version_rollback(agent_version=v1, actor=ops, reason="v2 misbehaves")
    assert (v1.status, v1.is_published) == ("published", True)
    assert AgentVersion.objects.get(pk=v2.pk).status == "archived"
    assert Agent.objects.get(pk=agent.pk).system_prompt == "prompt one"
    assert_audited(v1, "agent_version.rollback", actor=ops, before={"status": "archived"},
                   after={"status": "published"}, reason="v2 misbehaves")
    assert AgentVersion.objects.filter(agent=agent, is_published=True).count() == 1


def test_agent_archive_and_its_refusals(agent, ops):
    v1 = draft(agent, ops, "one")
    v2 = draft(agent, ops, "two")
    v1 = agent_version_publish(agent_version=v1, actor=ops)
    with refused(v1, match="Cannot archive an agent version that is published; allowed from: draft, testing."):
        agent_version_archive(agent_version=v1, actor=ops)
    v2 = agent_version_archive(agent_version=v2, actor=ops, reason="abandoned")
    assert_audited(v2, "agent_version.archive", actor=ops, before={"status": "draft"},
                   after={"status": "archived"}, reason="abandoned")
    # rollback only to something older than the published one
    with refused(v2, match="not older than the published version 1"):
        agent_version_rollback(agent_version=v2, actor=ops)
    with refused(v1, match="Cannot publish an agent version that is published"):
        agent_version_publish(agent_version=v1, actor=ops)
    with refused(v1, match="Cannot rollback an agent version that is published; allowed from: archived."):
        agent_version_rollback(agent_version=v1, actor=ops)


def test_refused_publish_leaves_the_agent_alone(agent, ops):
    v1 = agent_version_publish(agent_version=draft(agent, ops, "one"), actor=ops)
    with refused(agent):
        agent_version_publish(agent_version=v1, actor=ops)


# ---- workflows ------------------------------------------------------------------------------------------------

def test_workflow_versions(tenant, ops):
    workflow = f.WorkflowFactory(tenant=tenant, trigger_config={"event": "a"})
    v1 = workflow_version_create(workflow=workflow, actor=ops, changelog="first")
    Workflow.objects.filter(pk=workflow.pk).update(trigger_config={"event": "b"})
    v2 = workflow_version_create(workflow=workflow, actor=ops)
    v3 = workflow_version_create(workflow=workflow, actor=ops)

    v1 = workflow_version_publish(workflow_version=v1, actor=ops)
    wf = Workflow.objects.get(pk=workflow.pk)
    assert (wf.trigger_config, wf.is_published, wf.published_by) == ({"event": "a"}, True, ops)
    v2 = workflow_version_publish(workflow_version=v2, actor=ops)
    assert Workflow.objects.get(pk=workflow.pk).trigger_config == {"event": "b"}
    assert WorkflowVersion.objects.get(pk=v1.pk).status == "archived"
    v1 = workflow_version_rollback(workflow_version=v1, actor=ops)
    assert Workflow.objects.get(pk=workflow.pk).trigger_config == {"event": "a"}
    v3 = workflow_version_archive(workflow_version=v3, actor=ops)
    assert v3.status == "archived"
    with refused(v1):
        workflow_version_archive(workflow_version=v1, actor=ops)
    assert_audited(v1, "workflow_version.rollback", actor=ops, before={"status": "archived"},
                   after={"status": "published"})


# ---- tools ----------------------------------------------------------------------------------------------------

SCHEMA = {"type": "object", "properties": {"q": {"type": "string"}}}


def test_tool_versions_use_deprecated(tenant, ops):
    tool = tool_create(actor=ops, name="lookup", tool_type="http_api", input_schema=SCHEMA, output_schema=SCHEMA,
                       tenant=tenant)
    assert tool.organization_id == tenant.organization_id
    audit_of(tool, "tool.create")
    v1 = tool_version_create(tool=tool, actor=ops, config={"url": "https://a.example"},
                             auth_config={"token": "s1"})
    v2 = tool_version_create(tool=tool, actor=ops, config={"url": "https://b.example"})
    v3 = tool_version_create(tool=tool, actor=ops)

    tool_version_publish(tool_version=v1, actor=ops)
    t = Tool.objects.get(pk=tool.pk)
    assert (t.config, t.auth_config) == ({"url": "https://a.example"}, {"token": "s1"})
    tool_version_publish(tool_version=v2, actor=ops)
    assert ToolVersion.objects.get(pk=v1.pk).status == "deprecated"
    v1 = tool_version_rollback(tool_version=ToolVersion.objects.get(pk=v1.pk), actor=ops)
    assert v1.status == "published"
    v3 = tool_version_deprecate(tool_version=v3, actor=ops, reason="never shipped")
    assert_audited(v3, "tool_version.deprecate", actor=ops, before={"status": "draft"},
                   after={"status": "deprecated"}, reason="never shipped")
    with refused(v1, match="Cannot deprecate a tool version that is published; allowed from: draft, testing."):
        tool_version_deprecate(tool_version=v1, actor=ops)


def test_invalid_json_schemas_are_refused(tenant, ops):
    with pytest.raises(ValidationError) as info:
        tool_create(actor=ops, name="bad", tool_type="http_api", input_schema={"type": "nonsense"},
                    output_schema=SCHEMA, tenant=tenant)
    assert list(info.value.message_dict) == ["input_schema"]
    tool = tool_create(actor=ops, name="ok", tool_type="http_api", input_schema=SCHEMA, output_schema=SCHEMA)
    with pytest.raises(ValidationError) as info:
        tool_version_create(tool=tool, actor=ops, output_schema={"properties": {"a": {"minimum": "zero"}}})
    assert "output_schema" in info.value.message_dict
    assert not ToolVersion.objects.filter(tool=tool).exists()


@pytest.mark.parametrize("value", [{}, True, {"$schema": "https://json-schema.org/draft/2020-12/schema"}, SCHEMA])
def test_validate_json_schema_accepts(value):
    validate_json_schema(value, "input_schema")


@pytest.mark.parametrize("value", [[], "string", {"type": 3}, {"required": "a"}])
def test_validate_json_schema_names_the_field(value):
    with pytest.raises(ValidationError) as info:
        validate_json_schema(value, "output_schema")
    assert list(info.value.message_dict) == ["output_schema"]


# ---- the database backs the rule ------------------------------------------------------------------------------

@pytest.mark.parametrize(("flow", "table", "parent"), [
    (AGENT_VERSIONS, "agent_manager.agent_versions", "agent_id"),
    (WORKFLOW_VERSIONS, "automation_engine.workflow_versions", "workflow_id"),
    (TOOL_VERSIONS, "automation_engine.tool_versions", "tool_id"),
])
def test_a_second_published_version_is_refused_by_the_database(tenant, ops, flow, table, parent):
    factory = {AGENT_VERSIONS: f.AgentVersionFactory, WORKFLOW_VERSIONS: f.WorkflowVersionFactory,
               TOOL_VERSIONS: f.ToolVersionFactory}[flow]
    first = factory(status="published", is_published=True)
    owner = getattr(first, flow.parent_field)
    second = factory(**{flow.parent_field: owner}, status="draft", is_published=False, published_at=None)
    with pytest.raises(IntegrityError, match="one_published"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET is_published = true WHERE id = %s", [second.pk])
    # unpublished duplicates are fine
    factory(**{flow.parent_field: owner}, status="draft", is_published=False, published_at=None)
