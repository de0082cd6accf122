"""`manage.py seed_demo`, run twice: fixed records found again, activity added, secrets encrypted."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F

from accounts.choices import TenantPlanTier, TenantStatus
from accounts.models import Organization, Tenant, User
from agents.models import Agent, AgentVersion
from analytics.choices import MetricType
from analytics.models import Call, CallAnalytics, CallTranscript, DetailedMetric
from automation.models import ExecutionLog, NodeExecution, Tool, ToolVersion
from automation.schemas import validate_json_schema
from aybiza.core.db import encryption
from aybiza.core.db.fields import EncryptedJSONField
from aybiza.platform.demo.accounts import ADMIN_EMAIL, ORGANIZATIONS
from security_app.choices import ApiKeyStatus
from security_app.models import ApiKey
from telephony.choices import (
    AcquisitionMethod, PortingRequestStatus, ReservationAcquisitionMethod, ReservationStatus,
    SipTrunkAuthenticationMethod,
)
from telephony.models import PhoneNumber, PhoneNumberReservation, PortingRequest, SipTrunk

CALLS = 50
PASSWORD = "a demo password for tests"
FIXED_SLUGS = [spec.slug for spec in ORGANIZATIONS]
ENCRYPTED_COLUMNS = [
    (User, "mfa_secret"),
    (User, "recovery_codes"),
    (PortingRequest, "pin_password"),
    (SipTrunk, "credentials"),
    (Tool, "auth_config"),
    (ToolVersion, "auth_config"),
]

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, int]:
    return {
        "organizations": Organization.objects.filter(slug__in=FIXED_SLUGS).count(),
        "tenants": Tenant.objects.count(),
        "users": User.objects.count(),
        "agents": Agent.objects.count(),
        "agent_versions": AgentVersion.objects.count(),
        "phone_numbers": PhoneNumber.objects.count(),
        "porting_requests": PortingRequest.objects.count(),
        "api_keys": ApiKey.objects.count(),
        "calls": Call.objects.count(),
    }


@pytest.fixture(scope="module")
def runs(django_db_setup, django_db_blocker):
    """Seed twice (with different seeds) inside one transaction, rolled back after this module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        before = snapshot()
        call_command("seed_demo", calls=CALLS, seed=1, admin_password=PASSWORD, verbosity=0)
        first = snapshot()
        call_command("seed_demo", calls=CALLS, seed=2, admin_password=PASSWORD, verbosity=0)
        second = snapshot()
        yield before, first, second
        transaction.set_rollback(True)


def test_rerun_does_not_duplicate_fixed_records(runs):
    _, first, second = runs
    assert first["organizations"] == len(ORGANIZATIONS)
    fixed = {key: value for key, value in first.items() if key != "calls"}
    assert fixed == {key: value for key, value in second.items() if key != "calls"}
    assert User.objects.filter(email=ADMIN_EMAIL).count() == 1


def test_admin_is_an_ops_superuser_with_the_given_password(runs):
    admin = User.objects.get(email=ADMIN_EMAIL)
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(PASSWORD)


def test_each_run_adds_the_requested_calls(runs):
    before, first, second = runs
    assert first["calls"] - before["calls"] == CALLS
    assert second["calls"] - first["calls"] == CALLS


def test_every_call_has_one_transcript_and_one_analytics_row(runs):
    sids = sorted(Call.objects.values_list("call_sid", flat=True))
    assert sorted(CallTranscript.objects.values_list("call__call_sid", flat=True)) == sids
    assert sorted(CallAnalytics.objects.values_list("call_sid", flat=True)) == sids
    assert not CallTranscript.objects.exclude(call_sid=F("call__call_sid")).exists()


def test_calls_point_at_records_of_their_own_tenant(runs):
    calls = Call.objects.all()
    assert not calls.exclude(tenant__organization=F("organization")).exists()
    assert not calls.exclude(phone_number__tenant=F("tenant")).exists()
    assert not calls.exclude(agent__tenant=F("tenant")).exists()
    assert not calls.exclude(agent_version__agent=F("agent")).exists()
    assert not calls.exclude(agent_version__is_published=True).exists()
    assert not CallAnalytics.objects.exclude(tenant__organization=F("organization")).exists()


def test_every_designed_state_is_present(runs):
    def values(model, field):
        return set(model.objects.values_list(field, flat=True))

    assert values(PhoneNumber, "acquisition_method") == set(AcquisitionMethod.values)
    assert values(PhoneNumberReservation, "acquisition_method") == set(ReservationAcquisitionMethod.values)
    assert values(PhoneNumberReservation, "status") == set(ReservationStatus.values)
    assert values(PortingRequest, "status") == set(PortingRequestStatus.values)
    assert values(SipTrunk, "authentication_method") == set(SipTrunkAuthenticationMethod.values)
    assert values(Tenant, "plan_tier") == set(TenantPlanTier.values)
    assert values(Tenant, "status") == set(TenantStatus.values)
    assert values(ApiKey, "status") == set(ApiKeyStatus.values)
    assert values(DetailedMetric, "metric_type") == set(MetricType.values)
    for agent in Agent.objects.all():
        assert agent.versions.filter(is_published=True).count() == 1


def test_tool_schemas_are_json_schemas(runs):
    for tool in [*Tool.objects.all(), *ToolVersion.objects.all()]:
        validate_json_schema(tool.input_schema, "input_schema")
        validate_json_schema(tool.output_schema, "output_schema")


def test_workflow_runs_have_their_node_executions(runs):
    assert ExecutionLog.objects.exists()
    orphans = NodeExecution.objects.exclude(execution_log_id__in=ExecutionLog.objects.values("id"))
    assert not orphans.exists()
    for log in ExecutionLog.objects.all()[:20]:
        assert log.node_executions.exclude(node__workflow_version=log.workflow_version).count() == 0


def test_encrypted_columns_hold_no_plaintext(runs):
    for model, name in ENCRYPTED_COLUMNS:
        field = model._meta.get_field(name)
        plaintexts = {pk: value for pk, value in model.objects.values_list("pk", name) if value}
        assert plaintexts, f"the demo stores no {model.__name__}.{name}"
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {connection.ops.quote_name(field.column)}::text FROM {table} WHERE id = ANY(%s)",
                [list(plaintexts)],
            )
            raw = dict(cursor.fetchall())
        for pk, plaintext in plaintexts.items():
            for secret in leaf_strings(plaintext):
                assert secret not in raw[pk], f"{model.__name__}.{name} stores plaintext"
            token = json.loads(raw[pk]) if isinstance(field, EncryptedJSONField) else raw[pk]
            assert encryption.decrypt(token)  # a Fernet token under the current key


def test_invalid_sizes_fail_with_a_command_error():
    with pytest.raises(CommandError):
        call_command("seed_demo", calls=-1, verbosity=0)


def leaf_strings(value) -> list[str]:
    """Every string inside a JSON value (or the value itself)."""
    if isinstance(value, dict):
        return [s for item in value.values() for s in leaf_strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in leaf_strings(item)]
    return [str(value)]
