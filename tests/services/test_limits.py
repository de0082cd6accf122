"""Tenant limits: agent_create, phone_number_create, sip_trunk_create."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Organization, Tenant
from agents.models import Agent
from agents.services import agent_create
from aybiza.core.errors import LimitExceeded
from telephony.models import PhoneNumber
from telephony.services import phone_number_create, sip_trunk_create
from tests import factories as f

from .conftest import audit_of

pytestmark = pytest.mark.django_db


def make_agent(tenant, user, name="Front desk"):
    return agent_create(tenant=tenant, actor=user, name=name, system_prompt="Be kind.")


def test_agents_below_the_limit_then_exactly_at_it(tenant, tenant_user):
    first = make_agent(tenant, tenant_user, "one")
    audit_of(first, "agent.create")
    make_agent(tenant, tenant_user, "two")
    with pytest.raises(LimitExceeded, match=r"already has 2 of 2 agents \(max_agents\)") as info:
        make_agent(tenant, tenant_user, "three")
    assert info.value.field == "max_agents"
    assert Agent.objects.filter(tenant=tenant).count() == 2


def test_archived_agents_do_not_count(tenant, tenant_user):
    make_agent(tenant, tenant_user, "one")
    f.AgentFactory(tenant=tenant, status="archived")
    make_agent(tenant, tenant_user, "two")


def test_null_limit_means_unlimited(tenant, tenant_user):
    Tenant.objects.filter(pk=tenant.pk).update(max_agents=None)
    for n in range(4):
        make_agent(tenant, tenant_user, f"a{n}")


@pytest.mark.parametrize("status", ["suspended", "inactive"])
def test_blocked_tenant_gains_nothing(tenant, tenant_user, status):
    Tenant.objects.filter(pk=tenant.pk).update(status=status)
    with pytest.raises(LimitExceeded, match=f"is {status}: it cannot gain new agents"):
        make_agent(tenant, tenant_user)
    with pytest.raises(LimitExceeded, match=f"is {status}"):
        phone_number_create(tenant=tenant, actor=tenant_user, number="+16175550150", acquisition_method="managed",
                            provider="aybiza")
    with pytest.raises(LimitExceeded, match=f"is {status}"):
        sip_trunk_create(tenant=tenant, actor=tenant_user, name="t", provider_name="p", termination_uri="sip:x")


def test_suspended_organization_gains_nothing(tenant, tenant_user):
    Organization.objects.filter(pk=tenant.organization_id).update(status="suspended")
    with pytest.raises(LimitExceeded, match="Organization .* is suspended"):
        make_agent(tenant, tenant_user)


def test_phone_numbers_limit_and_parsing(tenant, tenant_user):
    phone = phone_number_create(tenant=tenant, actor=tenant_user, number="+1 (617) 555-0150",
                                acquisition_method="managed", provider="aybiza")
    assert (phone.number, phone.country_code, phone.area_code, phone.local_number) == (
        "+16175550150", "1", "617", "5550150")
    assert phone.formatted_number == "+1 617-555-0150" and phone.status == "active"
    assert phone.region == tenant.organization.data_residency_region
    audit_of(phone, "phone_number.create")

    with pytest.raises(ValidationError) as info:
        phone_number_create(tenant=tenant, actor=tenant_user, number="+16175550150", acquisition_method="managed",
                            provider="aybiza")
    assert "number" in info.value.message_dict
    with pytest.raises(ValidationError):
        phone_number_create(tenant=tenant, actor=tenant_user, number="12", acquisition_method="managed",
                            provider="aybiza")

    phone_number_create(tenant=tenant, actor=tenant_user, number="+16175550151", acquisition_method="managed",
                        provider="aybiza")
    with pytest.raises(LimitExceeded, match=r"2 of 2 phone numbers \(max_phone_numbers\)"):
        phone_number_create(tenant=tenant, actor=tenant_user, number="+16175550152", acquisition_method="managed",
                            provider="aybiza")
    # a released (inactive) number frees its slot
    PhoneNumber.objects.filter(pk=phone.pk).update(status="inactive")
    phone_number_create(tenant=tenant, actor=tenant_user, number="+16175550152", acquisition_method="managed",
                        provider="aybiza")


def test_sip_trunks_have_no_count_limit_but_a_call_ceiling(tenant, tenant_user):
    for n in range(3):
        trunk = sip_trunk_create(tenant=tenant, actor=tenant_user, name=f"t{n}", provider_name="Bandwidth",
                                 termination_uri="sip:t.example.net")
    audit_of(trunk, "sip_trunk.create")
    sip_trunk_create(tenant=tenant, actor=tenant_user, name="big", provider_name="Bandwidth",
                     termination_uri="sip:t.example.net", max_concurrent_calls=10)
    # The ceiling is a rule of the row (SipTrunk.full_clean, on create and edit), so a field error.
    with pytest.raises(ValidationError, match=r"at most 10 concurrent calls \(max_concurrent_calls\)") as caught:
        sip_trunk_create(tenant=tenant, actor=tenant_user, name="huge", provider_name="Bandwidth",
                         termination_uri="sip:t.example.net", max_concurrent_calls=11)
    assert list(caught.value.message_dict) == ["max_concurrent_calls"]
