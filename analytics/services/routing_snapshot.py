"""The runtime configuration of one agent version, as the voice runtime receives it at resolve.

    {"id", "version", "status", "system_prompt", "voice_config", "language_config", "model_config",
     "settings", "automation_config",
     "conversation_nodes": [{"id", "name", "node_type", "content", "conditions", "next_node_ids", "tool_config"}],
     "tools": [{"id", "name", "tool_type", "version_id", "version", "config", "input_schema", "output_schema"}],
     "workflows": [{"id", "name", "version_id", "version", "trigger_config"}]}

- tools: those the version's `tool_call` nodes name (`tool_config.tool_id`), usable by the agent's
  tenant (its own, its organization's, system tools), each as its *published* tool version (a
  tool with none is left out). Credentials (`auth_config`) are never part of a snapshot.
- workflows: the tenant's workflows whose *published* version has `trigger_type` voice_agent and
  names the agent in `trigger_config.agent_ids`.

Published versions' snapshots are cached (aybiza/core/routing_cache.py): their configuration and
nodes are frozen (nodes are editable on draft/testing versions only) and the tool and workflow
publish services bump the generation. A testing version (an experiment's challenger) is built
on each call, since its nodes may still change.
"""

from __future__ import annotations

import uuid

from django.db.models import Q

from agents.models import AgentVersion, ConversationNode
from automation.models import ToolVersion, WorkflowVersion
from aybiza.core import routing_cache

VERSION_FIELDS = ("system_prompt", "voice_config", "language_config", "model_config", "settings", "automation_config")


def build(version: AgentVersion, *, tenant_id, organization_id) -> dict:
    nodes = list(ConversationNode.objects.filter(agent_version=version).order_by("position_y", "position_x", "created_at", "id")
                 .values("id", "name", "node_type", "content", "conditions", "next_node_ids", "tool_config"))
    tool_ids = []
    for node in nodes:
        node["id"] = str(node["id"])
        config = node["tool_config"] if isinstance(node["tool_config"], dict) else {}
        if node["node_type"] == "tool_call" and isinstance(config.get("tool_id"), str):
            tool_ids.append(config["tool_id"])
    tools = []
    if tool_ids:
        valid = []
        for value in tool_ids:
            try:
                valid.append(uuid.UUID(value))
            except ValueError:
                continue
        usable = (Q(tool__tenant_id=tenant_id) | Q(tool__tenant__isnull=True, tool__organization_id=organization_id)
                  | Q(tool__tenant__isnull=True, tool__organization__isnull=True))
        rows = (ToolVersion.objects.filter(usable, tool_id__in=valid, is_published=True)
                .select_related("tool").order_by("tool__name", "tool_id"))
        tools = [{
            "id": str(row.tool_id), "name": row.tool.name, "tool_type": row.tool.tool_type,
            "version_id": str(row.id), "version": row.version, "config": row.config,
            "input_schema": row.input_schema, "output_schema": row.output_schema,
        } for row in rows]
    workflows = [{
        "id": str(row.workflow_id), "name": row.workflow.name, "version_id": str(row.id), "version": row.version,
        "trigger_config": row.trigger_config,
    } for row in WorkflowVersion.objects.filter(
        is_published=True, workflow__tenant_id=tenant_id, workflow__trigger_type="voice_agent",
        trigger_config__agent_ids__contains=[str(version.agent_id)],
    ).select_related("workflow").order_by("workflow__name", "workflow_id")]
    return {
        "id": str(version.id), "version": version.version, "status": version.status,
        **{name: getattr(version, name) for name in VERSION_FIELDS},
        "conversation_nodes": nodes, "tools": tools, "workflows": workflows,
    }


def version_snapshot(version_id, *, tenant_id, organization_id) -> dict | None:
    """The snapshot of a version (cached when published); None when the version no longer exists."""
    key = routing_cache.snapshot_key(version_id, organization_id)
    found = routing_cache.get(key)
    if found is not None:
        return found
    version = AgentVersion.objects.filter(pk=version_id).first()
    if version is None:
        return None
    data = build(version, tenant_id=tenant_id, organization_id=organization_id)
    if version.is_published:
        routing_cache.put(key, data)
    return data
