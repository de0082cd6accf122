"""Row-level security on the spec's seven tenant tables, enforced by PostgreSQL itself.

The world: organization 1 with tenants A and A2, organization 2 with tenant B;
each tenant has a user, an agent, a phone number, a call, a workflow and a
tool; each organization has an organization-level user (no tenant) and a
shared tool; there is one system tool (no organization, no tenant).
"""

import datetime as dt
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Tenant, User
from agents.models import Agent
from analytics.models import Call
from automation.models import Tool, Workflow
from aybiza.core.tenancy import TenantContextError, current_context, organization_context, tenant_context
from telephony.models import PhoneNumber

RLS_TABLES = {
    "agent_manager.tenants": Tenant,
    "agent_manager.users": User,
    "agent_manager.agents": Agent,
    "phone_manager.phone_numbers": PhoneNumber,
    "call_analytics.calls": Call,
    "automation_engine.workflows": Workflow,
    "automation_engine.tools": Tool,
}
START = dt.datetime(2026, 3, 2, 10, 15, tzinfo=dt.UTC)


class World:
    pass


@pytest.fixture
def rls_world(world):
    w = World()
    w.org1 = world.organization("org-one")
    w.org2 = world.organization("org-two")
    w.rows = {}  # tenant slug -> {model: [ids]}
    for name, org in (("tenant-a", w.org1), ("tenant-a2", w.org1), ("tenant-b", w.org2)):
        tenant = world.tenant(org, name)
        user = world.user(org, tenant)
        agent = world.agent(tenant, user)
        w.rows[name] = {
            Tenant: {tenant.pk},
            User: {user.pk},
            Agent: {agent.pk},
            PhoneNumber: {world.phone_number(tenant, user).pk},
            Call: {world.call(tenant, START, agent).pk},
            Workflow: {world.workflow(tenant, user).pk},
            Tool: {world.tool(org, tenant).pk},
        }
        setattr(w, name.replace("-", "_"), tenant)
        setattr(w, name.replace("-", "_") + "_user", user)
    w.org_users = {w.org1.pk: world.user(w.org1).pk, w.org2.pk: world.user(w.org2).pk}
    w.org_tools = {w.org1.pk: world.tool(w.org1).pk, w.org2.pk: world.tool(w.org2).pk}
    w.system_tool = world.tool().pk
    return w


def ids(model):
    return set(model.objects.values_list("pk", flat=True))


def test_rls_is_enabled_and_forced_with_both_policies(db):
    with connection.cursor() as cursor:
        for relation in RLS_TABLES:
            schema, name = relation.split(".")
            cursor.execute(
                """SELECT c.relrowsecurity, c.relforcerowsecurity,
                          array(SELECT p.polname::text FROM pg_policy p WHERE p.polrelid = c.oid ORDER BY 1)
                   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = %s AND c.relname = %s""",
                [schema, name],
            )
            enabled, forced, policies = cursor.fetchone()
            assert enabled and forced, relation
            assert f"tenant_isolation_{name}" in policies and f"org_isolation_{name}" in policies, relation


def test_tenant_sees_only_its_rows_without_any_filter(rls_world):
    w = rls_world
    with tenant_context(w.tenant_a.pk):
        assert current_context().tenant_id == w.tenant_a.pk
        for model in (Tenant, User, Agent, PhoneNumber, Call, Workflow):
            assert ids(model) == w.rows["tenant-a"][model], model.__name__
            assert model.objects.count() == len(w.rows["tenant-a"][model])
        # Tools: its own, plus the platform's system tools (read-only); no other tenant's or org-shared.
        assert ids(Tool) == w.rows["tenant-a"][Tool] | {w.system_tool}
    with tenant_context(str(w.tenant_b.pk)):
        assert ids(Agent) == w.rows["tenant-b"][Agent]
        assert not Agent.objects.filter(pk__in=w.rows["tenant-a"][Agent]).exists()


def test_tenant_cannot_write_another_tenants_rows(rls_world):
    w = rls_world
    user = w.tenant_a_user
    with tenant_context(w.tenant_a.pk):
        # Insert with tenant B's id: refused by the database.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Agent.objects.create(name="x", organization=w.org2, tenant=w.tenant_b, created_by=user, system_prompt="p")
        # Its own tenant, but claiming the other organization: refused too.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Agent.objects.create(name="x", organization=w.org2, tenant=w.tenant_a, created_by=user, system_prompt="p")
        # Moving its own row to tenant B: refused.
        (agent_id,) = w.rows["tenant-a"][Agent]
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Agent.objects.filter(pk=agent_id).update(tenant_id=w.tenant_b.pk, organization_id=w.org2.pk)
        # B's rows are invisible: updates and deletes touch nothing.
        (b_agent,) = w.rows["tenant-b"][Agent]
        assert Agent.objects.filter(pk=b_agent).update(name="hijacked") == 0
        assert Call.objects.filter(pk__in=w.rows["tenant-b"][Call]).delete()[0] == 0
        # System tools are readable, not writable.
        assert Tool.objects.filter(pk=w.system_tool).update(name="mine") == 0
        # Its own rows are writable.
        assert Agent.objects.filter(pk=agent_id).update(name="renamed") == 1
        created = Agent.objects.create(name="new", organization=w.org1, tenant=w.tenant_a, created_by=user, system_prompt="p")
    assert Agent.objects.get(pk=b_agent).name != "hijacked"
    assert Agent.objects.get(pk=created.pk).tenant_id == w.tenant_a.pk


def test_no_tenant_set_means_zero_rows_and_no_error(rls_world):
    for value in (None, ""):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL ROLE application_role")
            if value is not None:
                cursor.execute("SELECT set_config('app.current_tenant_id', %s, true)", [value])
            for model in RLS_TABLES.values():
                if model is Tool:
                    assert ids(Tool) == {rls_world.system_tool}
                else:
                    assert model.objects.count() == 0, model.__name__
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL ROLE admin_role")
            for model in RLS_TABLES.values():
                if model is not Tool:
                    assert model.objects.count() == 0, model.__name__


def test_organization_admin_sees_all_its_tenants_and_nothing_of_another_organization(rls_world):
    w = rls_world
    mine = ("tenant-a", "tenant-a2")
    with organization_context(w.org1.pk):
        assert current_context().tenant_id is None
        assert ids(Tenant) == {w.tenant_a.pk, w.tenant_a2.pk}
        for model in (Agent, PhoneNumber, Call, Workflow):
            assert ids(model) == set().union(*(w.rows[t][model] for t in mine)), model.__name__
        assert ids(User) == set().union(*(w.rows[t][User] for t in mine)) | {w.org_users[w.org1.pk]}
        assert ids(Tool) == set().union(*(w.rows[t][Tool] for t in mine)) | {w.org_tools[w.org1.pk], w.system_tool}
        # Writing into another organization's tenant is refused, even under its own organization id.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Workflow.objects.create(organization=w.org1, tenant=w.tenant_b, name="x", trigger_type="manual",
                                    created_by=w.tenant_a_user)
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Tenant.objects.filter(pk=w.tenant_a.pk).update(organization_id=w.org2.pk)
    with organization_context(str(w.org2.pk)):
        assert ids(Tenant) == {w.tenant_b.pk}
        assert ids(Call) == w.rows["tenant-b"][Call]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clean_spec_tables")
def test_context_does_not_leak_between_transactions_on_one_connection(rls_world):
    w = rls_world

    def session_state():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_backend_pid(), current_user, current_setting('app.current_tenant_id', true), "
                "current_setting('app.current_organization_id', true)"
            )
            return cursor.fetchone()

    pid, owner, _, _ = session_state()
    all_agents = ids(Agent)
    with tenant_context(w.tenant_a.pk):
        assert session_state()[:3] == (pid, "application_role", str(w.tenant_a.pk))
        assert ids(Agent) == w.rows["tenant-a"][Agent]
    with tenant_context(w.tenant_b.pk):
        assert session_state()[:3] == (pid, "application_role", str(w.tenant_b.pk))
        assert ids(Agent) == w.rows["tenant-b"][Agent]
    # None: the same connection is back to its own role, with no tenant setting.
    after = session_state()
    assert after[0] == pid and after[1] == owner
    assert after[2] in (None, "") and after[3] in (None, "")
    assert ids(Agent) == all_agents
    assert current_context() is None
    # An exception inside the context does not leak it either.
    with pytest.raises(RuntimeError), tenant_context(w.tenant_a.pk):
        raise RuntimeError("boom")
    assert session_state()[1:3] in ((owner, None), (owner, ""))


def test_context_nested_in_a_callers_transaction_restores_the_callers_state(rls_world):
    w = rls_world
    with transaction.atomic():
        with tenant_context(w.tenant_a.pk):
            assert ids(Agent) == w.rows["tenant-a"][Agent]
        # Still inside the caller's transaction: its role and settings are back.
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user = session_user, current_setting('app.current_tenant_id', true)")
            back_to_owner, tenant_setting = cursor.fetchone()
        assert back_to_owner and tenant_setting in (None, "")
        assert len(ids(Agent)) == 3


def test_nesting_a_different_context_is_refused(rls_world):
    w = rls_world
    with tenant_context(w.tenant_a.pk):
        with tenant_context(w.tenant_a.pk):  # the same one is fine
            assert ids(Agent) == w.rows["tenant-a"][Agent]
        with pytest.raises(TenantContextError, match="already active"):
            with tenant_context(w.tenant_b.pk):
                pass
        with pytest.raises(TenantContextError, match="already active"):
            with organization_context(w.org1.pk):
                pass
        assert ids(Agent) == w.rows["tenant-a"][Agent]


@pytest.mark.parametrize("bad", ["not-a-uuid", "", None, 42, "1234"])
def test_invalid_tenant_id_is_refused_before_any_query(db, bad):
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(TenantContextError, match="must be a UUID"):
            with tenant_context(bad):
                pytest.fail("the block must not run")
        with pytest.raises(TenantContextError, match="must be a UUID"):
            with organization_context(bad):
                pytest.fail("the block must not run")
    assert len(queries) == 0


def test_unknown_or_inactive_tenant_is_refused_before_any_tenant_query(world):
    org = world.organization("org-x")
    suspended = world.tenant(org, "tenant-suspended", status="suspended")
    inactive_org = world.organization("org-off", status="suspended")
    in_inactive_org = world.tenant(inactive_org, "tenant-of-suspended-org")
    trial = world.tenant(org, "tenant-trial", status="trial")
    cases = [
        (tenant_context, uuid.uuid4(), "does not exist"),
        (tenant_context, suspended.pk, "is suspended"),
        (tenant_context, in_inactive_org.pk, "organization of tenant"),
        (organization_context, uuid.uuid4(), "does not exist"),
        (organization_context, inactive_org.pk, "is suspended"),
    ]
    for make, value, message in cases:
        with CaptureQueriesContext(connection) as queries:
            with pytest.raises(TenantContextError, match=message):
                with make(value):
                    pytest.fail("the block must not run")
        assert not any("SET LOCAL ROLE" in q["sql"] for q in queries), queries.captured_queries
    with tenant_context(trial.pk):  # trial tenants are allowed
        assert ids(Tenant) == {trial.pk}


@pytest.mark.django_db(transaction=True)
def test_number_in_use_by_another_tenant_is_seen_inside_a_tenant_context(clean_spec_tables):
    """RLS hides other tenants' numbers; the availability check must still see them."""
    from telephony.availability import numbers_in_use
    from tests import factories as f

    other = f.PhoneNumberFactory()
    mine = f.TenantFactory()
    with tenant_context(mine.pk):
        assert not PhoneNumber.objects.filter(number=other.number).exists()
        assert numbers_in_use([other.number, "+15550100999"]) == {other.number}
