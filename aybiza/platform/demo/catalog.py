"""The fixed part of the demo, found or created, and summarized per tenant.

Every record here is looked up by a natural key (a slug, an email, a
tenant and a name, a phone number) before it is created, so running the
demo again finds the same organizations, users, agents and numbers. The
`TenantWorld`s returned are what the activity generators draw from.
"""

from datetime import datetime

from accounts.models import User

from .accounts import ORGANIZATIONS, ensure_organization, ensure_tenant, ensure_users
from .agents import ensure_agents
from .automation import ensure_system_tools, ensure_tools, ensure_workflows
from .scenarios import SCENARIOS
from .security import ensure_api_keys, ensure_compliance_reports
from .telephony import ensure_telephony
from .world import TenantWorld


def ensure_catalog(admin: User, operator: User, now: datetime) -> list[TenantWorld]:
    ensure_system_tools()
    worlds: list[TenantWorld] = []
    for spec in ORGANIZATIONS:
        organization, roles = ensure_organization(spec, admin, now)
        tenants = [ensure_tenant(tenant_spec, organization, admin, now) for tenant_spec in spec.tenants]
        users = ensure_users(spec, organization, roles, tenants, now)
        org_admin = users[None]["org_admin"]
        ensure_compliance_reports(organization, spec.scenario, org_admin, now)
        for tenant_spec, tenant in zip(spec.tenants, tenants, strict=True):
            people = users[tenant.slug]
            tenant_admin, designer = people["tenant_admin"], people["agent_designer"]
            world = TenantWorld(
                tenant=tenant,
                scenario=SCENARIOS[spec.scenario],
                call_weight=tenant_spec.call_weight,
                country=spec.country,
                aws_region=spec.aws_region,
                edge_regions=spec.edge_regions,
                language=spec.language,
                users=[org_admin, *people.values()],
                admin=tenant_admin,
            )
            tools = ensure_tools(world, tenant_admin, now)
            ensure_agents(world, designer, tenant_admin, tools[0], now)
            ensure_telephony(world, len(worlds), tenant_admin, operator, now)
            ensure_workflows(world, tools, designer, tenant_admin, now)
            ensure_api_keys(world, tenant_admin, now)
            worlds.append(world)
    return worlds
