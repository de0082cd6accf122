"""Demo agents: two per tenant, each with a version history and a conversation flow.

Every agent has an archived v1, a published v2 (the one answering calls) and
a draft v3 being worked on, which is what an agent's history looks like a
few weeks into production. The agent's own configuration is that of its
published version (publishing copies it there, see aybiza/core/versions.py).
Versions are created together with their agent, so a second run, which
finds the agent, leaves its history alone.
"""

import uuid
from datetime import datetime, timedelta

from accounts.models import User
from agents.models import Agent, AgentVersion, ConversationNode
from automation.models import Tool

from .records import create, get_or_create
from .scenarios import AgentTemplate
from .world import AgentRef, TenantWorld

# (status, is_published, age in days, what changed)
VERSIONS = (
    ("archived", False, 60, ""),
    ("published", True, 30, " Keep every answer under two sentences."),
    ("draft", False, 2, " Keep every answer under two sentences. Offer to text the details at the end."),
)
PUBLISHED = 1  # index in VERSIONS

# (name, node type, content, indexes of the next nodes)
FLOW = (
    ("Greeting", "main", "Greet the caller by the business name and ask how you can help.", (1,)),
    ("Route by intent", "condition", None, (2, 3, 4)),
    ("Answer from knowledge base", "response", "Answer briefly from the knowledge base.", (5,)),
    ("Use the business system", "tool_call", "Collect the details the tool needs, then call it.", (5,)),
    ("Hand over to a human", "transfer", "Tell the caller you are connecting them to a colleague.", ()),
    ("Goodbye", "end", "Confirm the next steps and say goodbye.", ()),
)

LLM_BY_LATENCY = {
    "ultra_low": "claude-3-5-haiku",
    "low": "claude-3-5-haiku",
    "balanced": "claude-3-5-sonnet-v2",
    "quality": "claude-3-7-sonnet",
}


def ensure_agents(world: TenantWorld, designer: User, publisher: User, tool: Tool, now: datetime) -> None:
    tenant = world.tenant
    live = tenant.status in ("active", "trial")
    for template in world.scenario.agents:
        prompt = template.prompt.format(business=tenant.name)
        agent, created = get_or_create(Agent, {"tenant": tenant, "name": template.name}, {
            "organization_id": tenant.organization_id,
            "description": template.description,
            "created_by": designer,
            "system_prompt": prompt + VERSIONS[PUBLISHED][3],
            "voice_config": _voice_config(template),
            "language_config": {"primary": world.language, "auto_detect": True, "supported": [world.language]},
            "model_config": _model_config(template),
            "status": "active" if live else "inactive",
            "latency_optimization_level": template.latency,
            "phone_integration_type": template.integration,
            "created_at": now - timedelta(days=VERSIONS[0][2]),
        })
        if created:
            _create_history(agent, prompt, designer, publisher, tool, now)
        world.resources.append(("agent", agent.id, agent.name))
        published = agent.versions.filter(is_published=True).first()
        if published is not None:  # only a published version answers calls
            world.agents.append(AgentRef(
                agent.id, published.id, published.model_config.get("default", ""),
                published.voice_config.get("model", ""),
            ))


def _voice_config(template: AgentTemplate) -> dict:
    default = Agent._meta.get_field("voice_config").get_default()
    return {**default, "model": template.voice_model}


def _model_config(template: AgentTemplate) -> dict:
    default = Agent._meta.get_field("model_config").get_default()
    return {**default, "default": LLM_BY_LATENCY[template.latency]}


def _create_history(agent: Agent, prompt: str, designer: User, publisher: User, tool: Tool, now: datetime) -> None:
    for number, (status, published, age, change) in enumerate(VERSIONS, start=1):
        created_at = now - timedelta(days=age)
        version = create(
            AgentVersion,
            agent=agent,
            version=number,
            system_prompt=prompt + change,
            voice_config=agent.voice_config,
            language_config=agent.language_config,
            model_config=agent.model_config,
            automation_config=agent.automation_config,
            status=status,
            is_published=published,
            published_at=created_at + timedelta(hours=4) if status != "draft" else None,
            published_by=publisher if status != "draft" else None,
            performance_metrics={"avg_turn_latency_ms": 690 - 40 * number, "containment_rate": 0.6 + 0.05 * number},
            created_by=designer,
            created_at=created_at,
        )
        _create_flow(version, designer, tool)


def _create_flow(version: AgentVersion, designer: User, tool: Tool) -> None:
    ids = [uuid.uuid4() for _ in FLOW]
    for index, (name, node_type, content, next_nodes) in enumerate(FLOW):
        create(
            ConversationNode,
            id=ids[index],
            agent=version.agent,
            agent_version=version,
            name=name,
            node_type=node_type,
            content=content,
            conditions={"intents": ["question", "task", "human"]} if node_type == "condition" else {},
            next_node_ids=[str(ids[target]) for target in next_nodes],
            tool_config={"tool_id": str(tool.id), "tool_name": tool.name} if node_type == "tool_call" else {},
            position_x=260 * index,
            position_y=120 * (index % 2),
            created_by=designer,
        )
