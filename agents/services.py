"""Business actions of the agents app: creating agents, publishing agent versions.

See docs/services.md and aybiza/core/versions.py for the version state diagram.
Publishing copies the version's configuration onto the agent row.
"""

from django.db import transaction

from accounts.services.limits import ensure_can_add
from accounts.models import Tenant
from aybiza.core.versions import VersionFlow, version_audit_create, version_next_number, version_publish, version_retire
from aybiza.core.audit import audit_record, snapshot
from aybiza.core import routing_cache

from .models import Agent, AgentVersion

CONFIG_FIELDS = ("system_prompt", "voice_config", "language_config", "model_config", "settings", "automation_config")

AGENT_VERSIONS = VersionFlow(
    model=AgentVersion, parent_field="agent", label="agent version", action="agent_version",
    retired="archived", retire_verb="archive", copy_fields=CONFIG_FIELDS,
)



def agent_capacity_check(*, tenant: Tenant) -> Tenant:
    """The tenant, locked, when it may gain an agent; LimitExceeded at max_agents or when suspended."""
    return ensure_can_add(tenant=tenant, what="agents", limit_field="max_agents",
                          existing=Agent.objects.filter(tenant=tenant).exclude(status="archived"))


@transaction.atomic
def agent_create(
    *, tenant: Tenant, actor, name: str, system_prompt: str, reason: str = "", api_key=None, request=None, **fields
) -> Agent:
    """A new agent for `tenant`; LimitExceeded at max_agents or when the tenant/organization is suspended."""
    tenant = agent_capacity_check(tenant=tenant)
    agent = Agent(
        name=name, system_prompt=system_prompt, organization_id=tenant.organization_id, tenant=tenant,
        created_by=actor, **fields,
    )
    agent.full_clean()
    agent.save(force_insert=True)
    audit_record(
        action="agent.create", instance=agent, actor=actor, api_key=api_key, request=request,
        after=snapshot(agent, ["name", "tenant", "status"]), reason=reason,
    )
    return agent


@transaction.atomic
def agent_version_create(
    *, agent: Agent, actor, reason: str = "", api_key=None, request=None
) -> AgentVersion:
    """A draft version holding a snapshot of the agent's current configuration."""
    agent = Agent.objects.select_for_update().get(pk=agent.pk)
    version = AgentVersion.objects.create(
        agent=agent, version=version_next_number(AGENT_VERSIONS, agent), created_by=actor,
        **{name: getattr(agent, name) for name in CONFIG_FIELDS},
    )
    version_audit_create(AGENT_VERSIONS, version, actor=actor, reason=reason, api_key=api_key, request=request)
    return version


@transaction.atomic
def agent_version_publish(
    *, agent_version: AgentVersion, actor, reason: str = "", api_key=None, request=None
) -> AgentVersion:
    version = version_publish(AGENT_VERSIONS, version=agent_version, verb="publish", actor=actor, reason=reason,
                              api_key=api_key, request=request)
    routing_cache.invalidate_organization(version.agent.organization_id)  # the runtime's snapshot (at commit)
    return version


@transaction.atomic
def agent_version_rollback(
    *, agent_version: AgentVersion, actor, reason: str = "", api_key=None, request=None
) -> AgentVersion:
    version = version_publish(AGENT_VERSIONS, version=agent_version, verb="rollback", actor=actor, reason=reason,
                              api_key=api_key, request=request)
    routing_cache.invalidate_organization(version.agent.organization_id)  # the runtime's snapshot (at commit)
    return version


@transaction.atomic
def agent_version_archive(
    *, agent_version: AgentVersion, actor, reason: str = "", api_key=None, request=None
) -> AgentVersion:
    version = version_retire(AGENT_VERSIONS, version=agent_version, actor=actor, reason=reason,
                             api_key=api_key, request=request)
    routing_cache.invalidate_organization(version.agent.organization_id)  # an archived variant leaves experiments
    return version
