"""The API checks the models' consistency rules (aybiza/core/db/consistency.py) before a serializer saves.

An organization key may see every tenant of its organization, so scoping
alone lets it combine rows of two tenants; the rules refuse that with 400.
"""

from telephony.models import PhoneNumber
from tests import factories as f


def test_an_organization_key_cannot_give_a_number_another_tenants_agent(api):
    number = f.PhoneNumberFactory(tenant=api.tenant_a)
    stranger = f.AgentFactory(tenant=api.tenant_a2)  # same organization, another tenant
    url = f"/api/v1/phone-numbers/{number.pk}/"
    response = api.client("org1").patch(url, {"agent": str(stranger.pk), "version": number.version}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["fields"] == {"agent": ["The agent belongs to another tenant."]}
    assert PhoneNumber.objects.get(pk=number.pk).agent_id == number.agent_id

    own = f.AgentFactory(tenant=api.tenant_a)
    response = api.client("org1").patch(url, {"agent": str(own.pk), "version": number.version}, format="json")
    assert response.status_code == 200, response.json()


def test_a_sip_trunk_update_cannot_exceed_the_tenant_ceiling(api):
    trunk = f.SipTrunkFactory(tenant=api.tenant_a, max_concurrent_calls=5)
    ceiling = api.tenant_a.max_concurrent_calls
    url = f"/api/v1/sip-trunks/{trunk.pk}/"
    response = api.a.patch(url, {"max_concurrent_calls": ceiling + 1}, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["fields"]) == ["max_concurrent_calls"]
    assert api.a.patch(url, {"max_concurrent_calls": ceiling}, format="json").status_code == 200
