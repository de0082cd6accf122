"""Health over the API: read-only on trunks and numbers; the history endpoints filter and never write."""

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_health_fields_are_shown_and_cannot_be_written(api):
    trunk = f.SipTrunkFactory(tenant=api.tenant_a, health_status="unhealthy")
    number = f.PhoneNumberFactory(tenant=api.tenant_a, health_status="degraded")
    response = api.a.patch(f"/api/v1/sip-trunks/{trunk.pk}/", {"health_status": "healthy",
                                                              "last_health_check": "2020-01-01T00:00:00Z"},
                           format="json")
    assert response.status_code == 200 and response.json()["health_status"] == "unhealthy"
    assert response.json()["last_health_check"] is None
    response = api.a.patch(f"/api/v1/phone-numbers/{number.pk}/", {"health_status": "healthy",
                                                                   "version": number.version}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["health_status"] == "degraded"
    number.refresh_from_db()
    trunk.refresh_from_db()
    assert (trunk.health_status, number.health_status) == ("unhealthy", "degraded")


def test_trunk_history_filters_by_trunk_and_status(api):
    trunk, other = f.SipTrunkFactory(tenant=api.tenant_a), f.SipTrunkFactory(tenant=api.tenant_a)
    bad = f.SipTrunkHealthCheckFactory(sip_trunk=trunk, health_status="unhealthy", outcome="timeout",
                                       status_code=None, rtt_ms=None)
    f.SipTrunkHealthCheckFactory(sip_trunk=trunk)
    f.SipTrunkHealthCheckFactory(sip_trunk=other)
    rows = api.a.get(f"/api/v1/sip-trunk-health-checks/?sip_trunk_id={trunk.pk}&health_status=unhealthy").json()
    assert [r["id"] for r in rows["results"]] == [bad.pk]
    assert rows["results"][0]["outcome"] == "timeout" and rows["results"][0]["rtt_ms"] is None
    assert api.a.get("/api/v1/sip-trunk-health-checks/?health_status=sideways").status_code == 400


def test_history_is_read_only(api):
    check = f.SipTrunkHealthCheckFactory(sip_trunk=f.SipTrunkFactory(tenant=api.tenant_a))
    assert api.a.post("/api/v1/sip-trunk-health-checks/", {}, format="json").status_code == 405
    assert api.a.delete(f"/api/v1/sip-trunk-health-checks/{check.pk}/").status_code == 405
    period = f.PhoneNumberHealthPeriodFactory(phone_number=f.PhoneNumberFactory(tenant=api.tenant_a))
    assert api.a.patch(f"/api/v1/phone-number-health-periods/{period.pk}/", {"reason": "x"},
                       format="json").status_code == 405
    rows = api.a.get(f"/api/v1/phone-number-health-periods/?phone_number_id={period.phone_number_id}").json()
    assert [r["reason"] for r in rows["results"]] == [period.reason]
