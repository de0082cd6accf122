"""Demo tools and workflows.

Two platform-wide system tools, two tools per tenant from its scenario (each
with a deprecated v1 and a published v2), and three workflows per tenant: a
follow-up after each call, a daily digest, and a draft form intake. Tool
credentials live in `auth_config`, which the model encrypts.
"""

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from accounts.models import User
from automation.models import Tool, ToolVersion, Workflow, WorkflowConnection, WorkflowNode, WorkflowVersion

from . import fake
from .records import create, get_or_create
from .scenarios import ToolTemplate, object_schema
from .world import PublishedWorkflow, TenantWorld

SYSTEM_TOOLS = (
    ToolTemplate(
        "Transfer to a human", "Transfers the live call to a queue or a number.", "communication", "function",
        {"handler": "telephony.transfer", "timeout_ms": 1000},
        object_schema({"queue": {"type": "string"}, "reason": {"type": "string", "maxLength": 200}}, ("queue",)),
        object_schema({"transferred": {"type": "boolean"}, "queue_position": {"type": "integer"}}, ("transferred",)),
    ),
    ToolTemplate(
        "Knowledge base search", "Searches the tenant's knowledge base for an answer.", "ai", "ai_service",
        {"index": "tenant-kb", "model": "titan-embed-text-v2", "timeout_ms": 1500},
        object_schema(
            {"query": {"type": "string", "minLength": 2}, "top_k": {"type": "integer", "minimum": 1, "maximum": 10}},
            ("query",),
        ),
        object_schema({"passages": {"type": "array", "items": {"type": "string"}}}, ("passages",)),
    ),
)


@dataclass(frozen=True)
class WorkflowSpec:
    name: str
    description: str
    category: str
    trigger_type: str
    status: str
    path: tuple[tuple[str, str, int | None], ...]  # (node name, node type, index of the tenant tool it calls)
    draft_v2: bool = False  # a v2 being edited beside the published v1


WORKFLOWS = (
    WorkflowSpec(
        "After-call follow-up", "Updates the business system and messages the caller after each call.", "crm",
        "voice_agent", "active",
        (("Call completed", "trigger", None), ("Look up the record", "tool", 0), ("Record found?", "condition", None),
         ("Message the caller", "tool", 1), ("Done", "end", None)),
        draft_v2=True,
    ),
    WorkflowSpec(
        "Daily call digest", "Summarizes yesterday's calls for the team every morning.", "analytics", "scheduled",
        "active",
        (("Every day at 06:00", "trigger", None), ("Summarize yesterday's calls", "action", None),
         ("Post to the team channel", "integration", None), ("Done", "end", None)),
    ),
    WorkflowSpec(
        "Web form intake", "Turns website callback requests into outbound calls.", "integration", "webhook", "draft",
        (("Form submitted", "trigger", None), ("Create a callback task", "action", None), ("Done", "end", None)),
    ),
)


def ensure_system_tools() -> None:
    for template in SYSTEM_TOOLS:
        get_or_create(
            Tool, {"is_system_tool": True, "name": template.name, "organization": None, "tenant": None},
            {**_tool_fields(template, fake.seeded("tool", template.name)), "is_verified": True},
        )


def ensure_tools(world: TenantWorld, admin: User, now: datetime) -> list[Tool]:
    tools = []
    for template in world.scenario.tools:
        rng = fake.seeded("tool", world.tenant.slug, template.name)
        tool, created = get_or_create(Tool, {"tenant": world.tenant, "name": template.name}, {
            **_tool_fields(template, rng),
            "organization_id": world.organization_id,
            "auth_config": _auth_config(template),
            "created_by": admin,
            "created_at": now - timedelta(days=70),
        })
        if created:
            # v1 was published, then replaced by v2 (only one version is published at a time).
            for number, status in enumerate(("deprecated", "published"), start=1):
                create(
                    ToolVersion, tool=tool, version=number, config=tool.config, auth_config=tool.auth_config,
                    input_schema=tool.input_schema, output_schema=tool.output_schema, status=status,
                    is_published=status == "published", published_at=now - timedelta(days=70 - 30 * number),
                    published_by=admin, created_by=admin,
                    changelog="First release." if number == 1 else "Retries on timeouts; stricter input schema.",
                )
        tools.append(tool)
    return tools


def _tool_fields(template: ToolTemplate, rng) -> dict:
    return {
        "description": template.description,
        "category": template.category,
        "tool_type": template.tool_type,
        "config": copy.deepcopy(template.config),
        "input_schema": copy.deepcopy(template.input_schema),
        "output_schema": copy.deepcopy(template.output_schema),
        "status": "active",
        "usage_count": rng.randint(500, 40000),
        "success_rate": Decimal(rng.randint(9300, 9990)) / 100,
        "avg_execution_time_ms": rng.randint(80, 1800),
    }


def _auth_config(template: ToolTemplate) -> dict:
    if template.tool_type == "database":
        return {"type": "password", "username": "voice_agent_ro", "password": fake.secret()}
    return {"type": "bearer", "token": fake.secret(32)}


def ensure_workflows(world: TenantWorld, tools: list[Tool], designer: User, publisher: User, now: datetime) -> None:
    tenant = world.tenant
    for spec in WORKFLOWS:
        published = spec.status == "active"
        workflow, created = get_or_create(Workflow, {"tenant": tenant, "name": spec.name}, {
            "organization_id": tenant.organization_id,
            "description": spec.description,
            "category": spec.category,
            "trigger_type": spec.trigger_type,
            "trigger_config": _trigger_config(spec, world),
            "status": spec.status,
            "created_by": designer,
            "is_published": published,
            "published_at": now - timedelta(days=40) if published else None,
            "published_by": publisher if published else None,
            "created_at": now - timedelta(days=45),
        })
        if created:
            _create_versions(workflow, spec, tools, designer, publisher, now)
        version = workflow.versions.filter(is_published=True).first()
        if version is not None:  # only a published version runs
            path = tuple(version.nodes.order_by("position_x"))
            world.workflows.append(PublishedWorkflow(workflow, version, path))
        world.resources.append(("workflow", workflow.id, workflow.name))


def _trigger_config(spec: WorkflowSpec, world: TenantWorld) -> dict:
    if spec.trigger_type == "voice_agent":
        return {"event": "call.completed", "agent_ids": [str(agent.agent_id) for agent in world.agents]}
    if spec.trigger_type == "scheduled":
        return {"cron": "0 6 * * *", "timezone": "UTC"}
    return {"path": f"/hooks/{world.tenant.slug}/callback-requests", "method": "POST"}


def _create_versions(workflow: Workflow, spec: WorkflowSpec, tools: list[Tool], designer: User, publisher: User,
                     now: datetime) -> None:
    published = spec.status == "active"
    states = [("published" if published else "draft", published)] + ([("draft", False)] if spec.draft_v2 else [])
    for number, (status, is_published) in enumerate(states, start=1):
        version = create(
            WorkflowVersion, workflow=workflow, version=number, trigger_config=workflow.trigger_config,
            status=status, is_published=is_published, published_at=workflow.published_at if is_published else None,
            published_by=publisher if is_published else None, created_by=designer,
            changelog="Initial version." if number == 1 else "Adds a retry before messaging the caller.",
        )
        _create_graph(version, spec, tools, designer)


def _create_graph(version: WorkflowVersion, spec: WorkflowSpec, tools: list[Tool], designer: User) -> None:
    """The nodes in a row, each connected to the next; a condition can also skip to the end."""
    nodes = [
        create(
            WorkflowNode, workflow=version.workflow, workflow_version=version, name=name,
            node_type=node_type, tool=tools[tool] if tool is not None else None,
            config={"expression": "lookup.found == true"} if node_type == "condition" else {},
            position_x=240 * index, position_y=0, created_by=designer,
            timeout_ms=5000 if node_type == "tool" else 30000, retry_count=2 if node_type == "tool" else 0,
        )
        for index, (name, node_type, tool) in enumerate(spec.path)
    ]
    edges = []
    for source, target in zip(nodes, nodes[1:], strict=False):
        if source.node_type == "condition":
            edges += [(source, target, "yes"), (source, nodes[-1], "no")]
        else:
            edges.append((source, target, None))
    for source, target, label in edges:
        create(
            WorkflowConnection, workflow=version.workflow, workflow_version=version, source_node=source,
            target_node=target, label=label, condition={"equals": label} if label else {}, created_by=designer,
        )
