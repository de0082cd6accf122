"""Every phone number that enters is a real one (phonenumbers), and porting never reveals another tenant's number."""

import pytest
from django.utils import timezone

from analytics.models import Call
from telephony.models import PortingRequest
from tests import factories as f

PORTING = "/api/v1/porting-requests/"


def porting_body(number):
    return {"phone_number": number, "current_provider": "OldTel", "account_number": "ACC-1", "pin_password": "1234",
            "authorized_contact": {"name": "Ann"}, "service_address": {"city": "London"}}


@pytest.mark.parametrize("number", ["12345", "abc", "+1", "+15550001234", "+999123456789", "", "+44 20 7183 87500"])
def test_porting_refuses_numbers_that_are_not_real(api, number):
    response = api.a.post(PORTING, porting_body(number), format="json")
    assert response.status_code == 400
    assert "phone_number" in response.json()["fields"]
    assert not PortingRequest.objects.exists()


def test_porting_stores_the_number_in_e164(api):
    response = api.a.post(PORTING, porting_body("+44 20 7183 8750"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["phone_number"] == "+442071838750"


def test_porting_another_tenants_number_is_refused_without_naming_them(api):
    theirs = f.PhoneNumberFactory(tenant=api.tenant_a)
    response = api.b.post(PORTING, porting_body(theirs.number), format="json")
    assert response.status_code == 400
    message = response.json()["fields"]["phone_number"][0]
    assert message == "This number cannot be ported: the platform already serves it."
    for secret in (str(api.tenant_a.pk), api.tenant_a.name, str(theirs.pk), api.tenant_a.slug):
        assert secret not in response.content.decode()
    assert not PortingRequest.objects.filter(tenant=api.tenant_b).exists()


def test_a_number_another_tenant_is_porting_is_refused(api):
    first = api.a.post(PORTING, porting_body("+442071838750"), format="json")
    assert first.status_code == 201
    second = api.b.post(PORTING, porting_body("+442071838750"), format="json")
    assert second.status_code == 400 and "phone_number" in second.json()["fields"]
    assert PortingRequest.objects.count() == 1


@pytest.mark.parametrize("field", ["from_number", "to_number"])
@pytest.mark.parametrize("number", ["12345", "abc", "+1", "+15550001234"])
def test_calls_refuse_numbers_that_are_not_real(api, field, number):
    phone = f.PhoneNumberFactory(tenant=api.tenant_a)
    body = {"call_sid": "CA1", "direction": "inbound", "status": "initiated", "from_number": "+14155550123",
            "to_number": phone.number, "start_time": timezone.now().isoformat(), field: number}
    response = api.a.post("/api/v1/calls/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Call.objects.exists()


def test_calls_store_numbers_in_e164(api):
    phone = f.PhoneNumberFactory(tenant=api.tenant_a)
    body = {"call_sid": "CA1", "direction": "inbound", "status": "initiated", "from_number": "+1 (415) 555-0123",
            "to_number": phone.number, "start_time": timezone.now().isoformat()}
    response = api.a.post("/api/v1/calls/", body, format="json")
    assert response.status_code == 201, response.json()
    assert Call.objects.get().from_number == "+14155550123"
