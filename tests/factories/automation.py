"""factory_boy factories for the automation app's models (tests/factories/__init__.py has the rules)."""

import copy
from datetime import timedelta

import factory
from factory.django import DjangoModelFactory

from automation.models import (
    ExecutionLog, NodeExecution, Tool, ToolVersion, Workflow, WorkflowConnection, WorkflowNode, WorkflowVersion,
)

from .common import LOOKUP_INPUT_SCHEMA, LOOKUP_OUTPUT_SCHEMA, a_while_ago, published_trait
from .accounts import TenantScopedFactory


class WorkflowFactory(TenantScopedFactory):
    class Meta:
        model = Workflow

    name = factory.Sequence(lambda n: f"Workflow {n}")
    trigger_type = "voice_agent"
    trigger_config = factory.LazyFunction(lambda: {"event": "call.completed"})
    status = "active"


class WorkflowVersionFactory(DjangoModelFactory):
    """A draft version; `published=True` for the (single) published one."""

    class Meta:
        model = WorkflowVersion

    class Params:
        published = published_trait()

    workflow = factory.SubFactory(WorkflowFactory)
    version = factory.Sequence(lambda n: n + 1)
    trigger_config = factory.LazyAttribute(lambda o: copy.deepcopy(o.workflow.trigger_config) or {"event": "manual"})
    status = "draft"
    created_by = factory.SelfAttribute("workflow.created_by")


class WorkflowNodeFactory(DjangoModelFactory):
    class Meta:
        model = WorkflowNode

    workflow_version = factory.SubFactory(WorkflowVersionFactory)
    workflow = factory.SelfAttribute("workflow_version.workflow")
    name = factory.Sequence(lambda n: f"Step {n}")
    node_type = "action"
    config = factory.LazyFunction(lambda: {"action": "log"})
    created_by = factory.SelfAttribute("workflow_version.created_by")


class WorkflowConnectionFactory(DjangoModelFactory):
    class Meta:
        model = WorkflowConnection

    workflow_version = factory.SubFactory(WorkflowVersionFactory)
    workflow = factory.SelfAttribute("workflow_version.workflow")
    source_node = factory.SubFactory(WorkflowNodeFactory, workflow_version=factory.SelfAttribute("..workflow_version"))
    target_node = factory.SubFactory(WorkflowNodeFactory, workflow_version=factory.SelfAttribute("..workflow_version"))
    created_by = factory.SelfAttribute("workflow_version.created_by")


class ToolFactory(TenantScopedFactory):
    class Meta:
        model = Tool

    name = factory.Sequence(lambda n: f"CRM lookup {n}")
    category = "crm"
    tool_type = "http_api"
    config = factory.LazyFunction(lambda: {"method": "GET", "url": "https://crm.example.net/api/contacts"})
    auth_config = factory.LazyFunction(lambda: {"type": "bearer", "token": "tool-secret-token-123"})
    input_schema = factory.LazyFunction(lambda: copy.deepcopy(LOOKUP_INPUT_SCHEMA))
    output_schema = factory.LazyFunction(lambda: copy.deepcopy(LOOKUP_OUTPUT_SCHEMA))


class ToolVersionFactory(DjangoModelFactory):
    """A draft version; `published=True` for the (single) published one."""

    class Meta:
        model = ToolVersion

    class Params:
        published = published_trait()

    tool = factory.SubFactory(ToolFactory)
    version = factory.Sequence(lambda n: n + 1)
    config = factory.LazyAttribute(lambda o: copy.deepcopy(o.tool.config))
    auth_config = factory.LazyAttribute(lambda o: copy.deepcopy(o.tool.auth_config))
    input_schema = factory.LazyAttribute(lambda o: copy.deepcopy(o.tool.input_schema))
    output_schema = factory.LazyAttribute(lambda o: copy.deepcopy(o.tool.output_schema))
    status = "draft"
    created_by = factory.SelfAttribute("tool.created_by")


class ExecutionLogFactory(DjangoModelFactory):
    """A completed run of a published workflow version."""

    class Meta:
        model = ExecutionLog

    workflow_version = factory.SubFactory(WorkflowVersionFactory, published=True)
    workflow = factory.SelfAttribute("workflow_version.workflow")
    organization = factory.SelfAttribute("workflow.organization")
    tenant = factory.SelfAttribute("workflow.tenant")
    trigger_type = factory.SelfAttribute("workflow.trigger_type")
    timestamp = a_while_ago(minutes=30)
    started_at = factory.SelfAttribute("timestamp")
    status = "completed"
    duration_ms = 840
    completed_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(milliseconds=o.duration_ms))
    nodes_executed = 1
    nodes_succeeded = 1


class NodeExecutionFactory(DjangoModelFactory):
    class Meta:
        model = NodeExecution

    execution_log = factory.SubFactory(ExecutionLogFactory)
    node = factory.SubFactory(
        WorkflowNodeFactory, workflow_version=factory.SelfAttribute("..execution_log.workflow_version")
    )
    node_name = factory.SelfAttribute("node.name")
    node_type = factory.SelfAttribute("node.node_type")
    status = "completed"
    started_at = factory.SelfAttribute("execution_log.started_at")
    duration_ms = 120
    completed_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(milliseconds=o.duration_ms))
