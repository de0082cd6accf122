"""Integrity rules held by the real database and by the models on top of it.

Defaults of plain SQL INSERTs, ON DELETE actions run by PostgreSQL itself,
validation that names the offending field before anything is written,
optimistic locking on `version`, and encryption of the spec's secret columns.
"""

import itertools
import json
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Organization, Role, Tenant, User
from agents.models import Agent
from analytics.models import Call
from automation.models import Tool, ToolVersion
from aybiza.core.db.locking import StaleVersionError
from telephony.models import PortingRequest, SipTrunk

pytestmark = pytest.mark.django_db

_sequence = itertools.count(1)


# --------------------------------------------------------------------------
# Minimal objects, built directly with the ORM.
# --------------------------------------------------------------------------


def make_organization(**fields) -> Organization:
    n = next(_sequence)
    return Organization.objects.create(**{"name": f"Org {n}", "slug": f"org-{n}", **fields})


def make_tenant(organization: Organization, **fields) -> Tenant:
    n = next(_sequence)
    return Tenant.objects.create(
        **{"organization": organization, "name": f"Tenant {n}", "slug": f"tenant-{n}", "subdomain": f"t{n}", **fields}
    )


def make_role(organization: Organization, **fields) -> Role:
    return Role.objects.create(**{"organization": organization, "name": f"Role {next(_sequence)}", **fields})


def make_user(organization: Organization, role: Role, tenant: Tenant | None = None, **fields) -> User:
    n = next(_sequence)
    return User.objects.create(
        **{"email": f"user{n}@example.com", "password": "!", "full_name": f"User {n}",
           "organization": organization, "tenant": tenant, "role": role, **fields}
    )


def make_agent(tenant: Tenant, user: User, **fields) -> Agent:
    return Agent.objects.create(**{
        "name": f"Agent {next(_sequence)}", "organization": tenant.organization, "tenant": tenant,
        "created_by": user, "system_prompt": "You are helpful.", **fields,
    })


def make_call(agent: Agent, **fields) -> Call:
    return Call.objects.create(**{
        "call_sid": f"CA{next(_sequence):032d}", "direction": "inbound", "status": "completed",
        "from_number": "+15550000001", "to_number": "+15550000002", "start_time": timezone.now(),
        "organization": agent.organization, "tenant": agent.tenant, "agent": agent, **fields,
    })


def make_tool(tenant: Tenant, user: User, **fields) -> Tool:
    return Tool.objects.create(**{
        "organization": tenant.organization, "tenant": tenant, "name": f"Tool {next(_sequence)}",
        "tool_type": "http_api", "input_schema": {"type": "object"}, "output_schema": {"type": "object"},
        "created_by": user, **fields,
    })


def make_tool_version(tool: Tool, user: User, **fields) -> ToolVersion:
    return ToolVersion.objects.create(**{
        "tool": tool, "version": next(_sequence), "config": {}, "input_schema": {"type": "object"},
        "output_schema": {"type": "object"}, "created_by": user, **fields,
    })


def make_porting_request(tenant: Tenant, user: User, **fields) -> PortingRequest:
    return PortingRequest.objects.create(**{
        "organization": tenant.organization, "tenant": tenant, "phone_number": "+15550001234",
        "current_provider": "OldTel", "account_number": "ACC-1", "authorized_contact": {"name": "Ann"},
        "service_address": {"city": "Springfield"}, "created_by": user, **fields,
    })


def make_sip_trunk(tenant: Tenant, user: User, **fields) -> SipTrunk:
    return SipTrunk.objects.create(**{
        "name": f"Trunk {next(_sequence)}", "organization": tenant.organization, "tenant": tenant,
        "provider_name": "Carrier", "termination_uri": "sip:trunk.example.com", "created_by": user, **fields,
    })


def make_world():
    """An organization with one tenant, role, user and agent."""
    organization = make_organization()
    tenant = make_tenant(organization)
    role = make_role(organization)
    user = make_user(organization, role, tenant)
    agent = make_agent(tenant, user)
    return organization, tenant, role, user, agent


def fetch_one(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_dict(sql: str, params=()) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return None if row is None else dict(zip([c.name for c in cursor.description], row))


def count(table: str, where: str = "TRUE", params=()) -> int:
    return fetch_one(f"SELECT count(*) FROM {table} WHERE {where}", params)[0]


def immediate_constraints():
    """Check deferred FKs at each statement, as the spec's non-deferrable REFERENCES would."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


# --------------------------------------------------------------------------
# A plain SQL INSERT with only the NOT NULL columns gets the spec's defaults.
# --------------------------------------------------------------------------


def test_plain_insert_into_organizations_gets_spec_defaults():
    row = fetch_dict(
        """
        INSERT INTO agent_manager.organizations (name, slug) VALUES ('Plain SQL Org', 'plain-sql')
        RETURNING id, settings::text, status, created_at = now() AS created_now, updated_at = now() AS updated_now,
                  created_by_id, updated_by_id, version, business_type, compliance_status, compliance_verified_at,
                  compliance_documents::text, edge_regions::text, data_residency_region, hybrid_config::text
        """
    )
    assert isinstance(row.pop("id"), uuid.UUID)
    assert {k: json.loads(v) if k.endswith(("settings", "documents", "regions", "config")) else v
            for k, v in row.items()} == {
        "settings": {},
        "status": "active",
        "created_now": True,
        "updated_now": True,
        "created_by_id": None,
        "updated_by_id": None,
        "version": 1,
        "business_type": None,
        "compliance_status": "pending",
        "compliance_verified_at": None,
        "compliance_documents": {},
        "edge_regions": ["us-east-1", "eu-west-1"],
        "data_residency_region": "us-east-1",
        "hybrid_config": {},
    }
    # The ORM reads the row the database filled in.
    organization = Organization.objects.get(slug="plain-sql")
    assert (organization.settings, organization.status, organization.version) == ({}, "active", 1)
    assert organization.edge_regions == ["us-east-1", "eu-west-1"]


def test_plain_insert_into_agents_gets_spec_defaults():
    organization, tenant, _role, user, _agent = make_world()
    row = fetch_dict(
        """
        INSERT INTO agent_manager.agents (name, organization_id, tenant_id, created_by_id, system_prompt)
        VALUES ('Plain SQL Agent', %s, %s, %s, 'Be brief.')
        RETURNING voice_config::text, language_config::text, model_config::text, settings::text, status,
                  created_at = now() AS created_now, updated_at = now() AS updated_now, version,
                  latency_optimization_level, max_turn_time_ms, interruption_threshold, context_window_size,
                  temperature, automation_config::text, phone_integration_type, edge_optimization::text,
                  description, updated_by_id
        """,
        [organization.pk, tenant.pk, user.pk],
    )
    for key in ("voice_config", "language_config", "model_config", "settings", "automation_config",
                "edge_optimization"):
        row[key] = json.loads(row[key])
    assert row == {
        "voice_config": {"model": "aura-asteria-en", "style": "calm_informative", "natural_speech": True,
                         "emotion_control": "moderate", "speed": 1.0, "pitch": 0.0},
        "language_config": {"primary": "en-US", "auto_detect": True, "supported": ["en-US"]},
        "model_config": {"default": "claude-3-5-sonnet-v2", "fast": "claude-3-5-haiku",
                         "complex": "claude-3-7-sonnet", "selection_strategy": "auto"},
        "settings": {},
        "status": "draft",
        "created_now": True,
        "updated_now": True,
        "version": 1,
        "latency_optimization_level": "balanced",
        "max_turn_time_ms": 1500,
        "interruption_threshold": Decimal("0.70"),
        "context_window_size": 32000,
        "temperature": Decimal("0.30"),
        "automation_config": {"tools_enabled": True, "max_tool_calls": 5, "async_workflows": True,
                              "timeout_ms": 30000},
        "phone_integration_type": "managed",
        "edge_optimization": {"enabled": True, "cache_responses": True,
                              "preferred_regions": ["us-east-1", "eu-west-1"]},
        "description": None,
        "updated_by_id": None,
    }
    # JSON numbers keep their type: speed 1.0 is a float, max_tool_calls 5 an int.
    assert isinstance(row["voice_config"]["speed"], float)
    assert isinstance(row["automation_config"]["max_tool_calls"], int)


def test_plain_insert_into_tenants_gets_spec_defaults():
    organization = make_organization()
    row = fetch_dict(
        """
        INSERT INTO agent_manager.tenants (organization_id, name, slug, subdomain)
        VALUES (%s, 'T', 't-plain', 't-plain')
        RETURNING plan_tier, max_agents, max_concurrent_calls, max_phone_numbers, features::text, settings::text,
                  status, billing_cycle, version, trial_ends_at, created_at = now() AS created_now
        """,
        [organization.pk],
    )
    assert row == {
        "plan_tier": "standard", "max_agents": 5, "max_concurrent_calls": 10, "max_phone_numbers": 1,
        "features": "{}", "settings": "{}", "status": "active", "billing_cycle": "monthly", "version": 1,
        "trial_ends_at": None, "created_now": True,
    }


# --------------------------------------------------------------------------
# ON DELETE is enforced by PostgreSQL, not only by Django's collector.
# --------------------------------------------------------------------------


def test_raw_delete_of_organization_cascades_in_the_database():
    immediate_constraints()
    organization, tenant, role, user, agent = make_world()
    other_org, other_tenant, other_role, other_user, other_agent = make_world()

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM agent_manager.organizations WHERE id = %s", [organization.pk])
        assert cursor.rowcount == 1

    assert count("agent_manager.organizations", "id = %s", [organization.pk]) == 0
    assert count("agent_manager.tenants", "organization_id = %s", [organization.pk]) == 0
    assert count("agent_manager.roles", "organization_id = %s", [organization.pk]) == 0
    assert count("agent_manager.users", "organization_id = %s", [organization.pk]) == 0
    assert count("agent_manager.agents", "id = %s", [agent.pk]) == 0
    # The other organization is untouched.
    assert count("agent_manager.organizations", "id = %s", [other_org.pk]) == 1
    assert count("agent_manager.tenants", "id = %s", [other_tenant.pk]) == 1
    assert count("agent_manager.roles", "id = %s", [other_role.pk]) == 1
    assert count("agent_manager.users", "id = %s", [other_user.pk]) == 1
    assert count("agent_manager.agents", "id = %s", [other_agent.pk]) == 1


def test_raw_delete_of_tenant_sets_users_tenant_null():
    immediate_constraints()
    organization, tenant, role, user, agent = make_world()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM agent_manager.tenants WHERE id = %s", [tenant.pk])
        assert cursor.rowcount == 1
    # The user stays, detached from the tenant (ON DELETE SET NULL) ...
    assert fetch_one("SELECT tenant_id, organization_id FROM agent_manager.users WHERE id = %s", [user.pk]) == (
        None, organization.pk)
    # ... while the tenant's agents go with it (ON DELETE CASCADE).
    assert count("agent_manager.agents", "id = %s", [agent.pk]) == 0
    user.refresh_from_db()
    assert user.tenant_id is None


def test_raw_delete_blocked_by_no_action_fk_at_statement_end():
    immediate_constraints()
    _org, _tenant, _role, _user, agent = make_world()
    call = make_call(agent)
    with pytest.raises(IntegrityError, match="calls"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM agent_manager.agents WHERE id = %s", [agent.pk])
    assert count("agent_manager.agents", "id = %s", [agent.pk]) == 1
    assert fetch_one("SELECT agent_id FROM call_analytics.calls WHERE id = %s", [call.pk]) == (agent.pk,)


@pytest.mark.django_db(transaction=True)
def test_raw_delete_blocked_by_no_action_fk_is_refused_at_commit():
    """Without SET CONSTRAINTS: Django's FKs are DEFERRABLE INITIALLY DEFERRED, so COMMIT refuses it."""
    _org, _tenant, _role, _user, agent = make_world()
    call = make_call(agent)
    with pytest.raises(IntegrityError, match="calls"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM agent_manager.agents WHERE id = %s", [agent.pk])
            assert cursor.rowcount == 1  # accepted for now, checked when the transaction commits
    assert count("agent_manager.agents", "id = %s", [agent.pk]) == 1
    assert Call.objects.get(pk=call.pk).agent_id == agent.pk


# --------------------------------------------------------------------------
# full_clean() names the field; nothing is written; the database agrees.
# --------------------------------------------------------------------------


def _agent_case(world):
    _org, tenant, _role, user, _agent = world
    return Agent(name="A", organization=tenant.organization, tenant=tenant, created_by=user,
                 system_prompt="p", temperature=Decimal("10.5"))


INVALID_CASES = {
    "check": (
        lambda world: Organization(name="O", slug="check-case", status="bogus"),
        "status", ["Value 'bogus' is not a valid choice."],
    ),
    "unique": (
        lambda world: Organization(name="O", slug=world[0].slug),
        "slug", ["Organization with this Slug already exists."],
    ),
    "not_null": (
        lambda world: Organization(name=None, slug="not-null-case"),
        "name", ["This field cannot be null."],
    ),
    "blank": (
        lambda world: Organization(name="", slug="blank-case"),
        "name", ["This field cannot be blank."],
    ),
    "missing_fk": (
        lambda world: Tenant(organization_id=uuid.UUID(int=1), name="T", slug="fk-case", subdomain="fk-case"),
        "organization",
        ["organization instance with id UUID('00000000-0000-0000-0000-000000000001') is not a valid choice."],
    ),
    "too_long": (
        lambda world: Organization(name="O", slug="s" * 101),
        "slug", ["Ensure this value has at most 100 characters (it has 101)."],
    ),
    "decimal_precision": (
        _agent_case,
        "temperature", ["Ensure that there are no more than 1 digit before the decimal point."],
    ),
}


@pytest.mark.parametrize("case", INVALID_CASES)
def test_full_clean_names_the_field_and_nothing_is_written(case):
    world = make_world()
    build, field, messages = INVALID_CASES[case]
    instance = build(world)
    model = type(instance)
    before = model.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
        instance.save()  # never reached
    assert excinfo.value.message_dict == {field: messages}
    assert model.objects.count() == before
    assert instance._state.adding is True


def test_full_clean_on_existing_row_leaves_it_unchanged():
    organization = make_organization(name="Kept")
    organization.status = "bogus"
    organization.name = "Changed"
    with pytest.raises(ValidationError) as excinfo:
        organization.full_clean()
        organization.save()
    assert excinfo.value.message_dict["status"] == ["Value 'bogus' is not a valid choice."]
    assert fetch_one("SELECT name, status, version FROM agent_manager.organizations WHERE id = %s",
                     [organization.pk]) == ("Kept", "active", 1)


@pytest.mark.parametrize("case, error", [
    ("check", IntegrityError), ("unique", IntegrityError), ("not_null", IntegrityError),
    ("missing_fk", IntegrityError), ("too_long", DataError), ("decimal_precision", DataError),
])
def test_database_refuses_what_full_clean_catches(case, error):
    """Skipping validation does not get a bad row in: PostgreSQL refuses it too."""
    immediate_constraints()
    world = make_world()
    instance = INVALID_CASES[case][0](world)
    model = type(instance)
    before = model.objects.count()
    with pytest.raises(error):
        with transaction.atomic():
            instance.save()
    assert model.objects.count() == before


# --------------------------------------------------------------------------
# Optimistic locking on `version` (aybiza/core/db/locking.py).
# --------------------------------------------------------------------------


def db_version(model, pk):
    return model.objects.filter(pk=pk).values_list("version", flat=True).get()


def test_each_save_increments_version():
    organization = make_organization()
    assert (organization.version, db_version(Organization, organization.pk)) == (1, 1)
    organization.name = "Renamed"
    organization.save()
    assert (organization.version, db_version(Organization, organization.pk)) == (2, 2)
    organization.save()
    assert (organization.version, db_version(Organization, organization.pk)) == (3, 3)


def test_second_writer_with_stale_version_is_refused():
    organization = make_organization(name="Original")
    first = Organization.objects.get(pk=organization.pk)
    second = Organization.objects.get(pk=organization.pk)
    assert first.version == second.version == 1

    first.name = "First writer"
    first.save()
    second.name = "Second writer"
    second.website = "https://second.example"
    # save() marks the enclosing transaction for rollback when it raises, so a
    # caller that handles the conflict and goes on wraps the save in a savepoint.
    with pytest.raises(StaleVersionError) as excinfo, transaction.atomic():
        second.save()

    assert (excinfo.value.expected, excinfo.value.current, excinfo.value.pk) == (1, 2, organization.pk)
    assert "version 2, yours 1" in str(excinfo.value)
    assert second.version == 1  # the refused instance is not bumped
    assert fetch_one("SELECT name, website, version FROM agent_manager.organizations WHERE id = %s",
                     [organization.pk]) == ("First writer", None, 2)


def test_stale_update_fields_save_is_refused_too():
    tenant = make_tenant(make_organization())
    first = Tenant.objects.get(pk=tenant.pk)
    second = Tenant.objects.get(pk=tenant.pk)
    first.save(update_fields=["name"])
    second.max_agents = 99
    with pytest.raises(StaleVersionError), transaction.atomic():
        second.save(update_fields=["max_agents"])
    assert fetch_one("SELECT max_agents, version FROM agent_manager.tenants WHERE id = %s", [tenant.pk]) == (5, 2)


def test_save_of_a_row_deleted_meanwhile_is_refused_and_not_recreated():
    organization = make_organization()
    stale = Organization.objects.get(pk=organization.pk)
    Organization.objects.filter(pk=organization.pk).delete()
    stale.name = "Back from the dead"
    with pytest.raises(StaleVersionError, match="deleted"), transaction.atomic():
        stale.save()
    assert count("agent_manager.organizations", "id = %s", [organization.pk]) == 0


def test_update_fields_save_bumps_version_and_writes_only_those_fields():
    organization = make_organization(name="Before", city="Paris")
    organization.name = "After"
    organization.city = "Not saved"
    organization.save(update_fields=["name"])
    assert organization.version == 2
    assert fetch_one("SELECT name, city, version FROM agent_manager.organizations WHERE id = %s",
                     [organization.pk]) == ("After", "Paris", 2)


def test_queryset_update_bypasses_the_lock():
    """Bulk maintenance (e.g. key rotation) must not move `version`."""
    organization = make_organization()
    Organization.objects.filter(pk=organization.pk).update(city="Lyon")
    assert db_version(Organization, organization.pk) == 1


# --------------------------------------------------------------------------
# Encrypted columns (aybiza/core/db/fields.py + encryption.py).
# --------------------------------------------------------------------------

SECRET_TEXT = "JBSWY3DPEHPK3PXP-totp-seed"
SECRET_CODES = ["recovery-alpha-1111", "recovery-bravo-2222"]
SECRET_PIN = "pin-7788-porting"
SECRET_CREDENTIALS = {"username": "trunk-user", "password": "trunk-pass-s3cret"}
SECRET_TOOL_AUTH = {"api_key": "sk-tool-live-abcdef"}
SECRET_VERSION_AUTH = {"bearer": "tv-token-123456"}


def raw_column(model, column: str, pk) -> str:
    """The column exactly as stored (JSONB as its text form)."""
    table = connection.ops.quote_name(model._meta.db_table)
    return fetch_one(f'SELECT "{column}"::text FROM {table} WHERE id = %s', [pk])[0]


def make_secrets():
    organization, tenant, role, user, _agent = make_world()
    user.mfa_secret = SECRET_TEXT
    user.recovery_codes = SECRET_CODES
    user.save()
    porting = make_porting_request(tenant, user, pin_password=SECRET_PIN)
    trunk = make_sip_trunk(tenant, user, credentials=SECRET_CREDENTIALS, authentication_method="credential")
    tool = make_tool(tenant, user, auth_config=SECRET_TOOL_AUTH)
    tool_version = make_tool_version(tool, user, auth_config=SECRET_VERSION_AUTH)
    return {
        (User, "mfa_secret", user.pk): (SECRET_TEXT, [SECRET_TEXT]),
        (User, "recovery_codes", user.pk): (SECRET_CODES, SECRET_CODES),
        (PortingRequest, "pin_password", porting.pk): (SECRET_PIN, [SECRET_PIN]),
        (SipTrunk, "credentials", trunk.pk): (SECRET_CREDENTIALS, ["trunk-user", "trunk-pass-s3cret", "username"]),
        (Tool, "auth_config", tool.pk): (SECRET_TOOL_AUTH, ["sk-tool-live-abcdef", "api_key"]),
        (ToolVersion, "auth_config", tool_version.pk): (SECRET_VERSION_AUTH, ["tv-token-123456", "bearer"]),
    }


def test_secrets_are_ciphertext_in_the_database_and_plaintext_in_the_orm():
    secrets = make_secrets()
    for (model, field, pk), (plaintext, fragments) in secrets.items():
        raw = raw_column(model, field, pk)
        for fragment in fragments:
            assert fragment not in raw, f"{model.__name__}.{field} stores {fragment!r} in clear"
        token = json.loads(raw) if model._meta.get_field(field).get_internal_type() == "JSONField" else raw
        assert isinstance(token, str) and token.startswith("gAAAAA"), f"{model.__name__}.{field}: {raw[:40]!r}"
        assert getattr(model.objects.get(pk=pk), field) == plaintext


def test_same_secret_encrypts_differently_each_time():
    _org, tenant, _role, user, _agent = make_world()
    first = make_porting_request(tenant, user, pin_password="same-pin")
    second = make_porting_request(tenant, user, pin_password="same-pin")
    assert raw_column(PortingRequest, "pin_password", first.pk) != raw_column(PortingRequest, "pin_password", second.pk)


def test_empty_auth_config_is_stored_as_empty_json():
    _org, tenant, _role, user, _agent = make_world()
    tool = make_tool(tenant, user, auth_config={})
    default_tool = make_tool(tenant, user)  # the Python default
    version = make_tool_version(tool, user, auth_config={})
    assert raw_column(Tool, "auth_config", tool.pk) == "{}"
    assert raw_column(Tool, "auth_config", default_tool.pk) == "{}"
    assert raw_column(ToolVersion, "auth_config", version.pk) == "{}"
    assert Tool.objects.get(pk=tool.pk).auth_config == {}
    assert ToolVersion.objects.get(pk=version.pk).auth_config == {}


def test_null_secrets_stay_null():
    _org, _tenant, _role, user, _agent = make_world()
    assert fetch_one("SELECT mfa_secret, recovery_codes FROM agent_manager.users WHERE id = %s", [user.pk]) == (
        None, None)
    user.refresh_from_db()
    assert (user.mfa_secret, user.recovery_codes) == (None, None)
