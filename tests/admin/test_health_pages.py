"""Ops console: a trunk's health (status, last check, RTT, recent history) and a number's health reason."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PhoneNumberHealthPeriodFactory, SipTrunkFactory, SipTrunkHealthCheckFactory

pytestmark = pytest.mark.django_db


def test_trunk_page_shows_status_last_check_rtt_and_recent_history(admin_client):
    trunk = SipTrunkFactory(health_status="unhealthy", last_health_check=timezone.now())
    other = SipTrunkHealthCheckFactory(reason="OTHER TRUNK")
    now = timezone.now()
    SipTrunkHealthCheckFactory(sip_trunk=trunk, checked_at=now - timedelta(minutes=2), rtt_ms=17.25)
    SipTrunkHealthCheckFactory(sip_trunk=trunk, checked_at=now - timedelta(minutes=1), outcome="timeout",
                               status_code=None, reason_phrase="", rtt_ms=None, health_status="unhealthy",
                               previous_health_status="degraded", reason="timeout: no answer (3 failed checks in a row)")
    html = admin_client.get(reverse("admin:telephony_siptrunk_change", args=[trunk.pk])).content.decode()
    assert "timeout: no answer (3 failed checks in a row)" in html  # latest check first
    assert "17.2" in html and "OTHER TRUNK" not in html
    history = reverse("admin:telephony_siptrunkhealthcheck_changelist")
    assert f"{history}?sip_trunk__id__exact={trunk.pk}&amp;period=all" in html
    assert 'name="health_status"' not in html  # measured, not edited

    listed = admin_client.get(f"{history}?sip_trunk__id__exact={trunk.pk}&period=all")
    assert listed.status_code == 200
    text = listed.content.decode()
    assert "no answer (3 failed checks in a row)" in text and other.reason not in text


def test_trunk_list_shows_the_last_rtt(admin_client):
    trunk = SipTrunkFactory()
    SipTrunkHealthCheckFactory(sip_trunk=trunk, checked_at=timezone.now() - timedelta(minutes=5), rtt_ms=99.0)
    SipTrunkHealthCheckFactory(sip_trunk=trunk, rtt_ms=42.0)
    html = admin_client.get(reverse("admin:telephony_siptrunk_changelist")).content.decode()
    assert "42.0 ms" in html and "99.0 ms" not in html


def test_history_is_read_only(admin_client):
    check = SipTrunkHealthCheckFactory()
    assert admin_client.get(reverse("admin:telephony_siptrunkhealthcheck_add")).status_code == 403
    assert admin_client.post(reverse("admin:telephony_siptrunkhealthcheck_delete", args=[check.pk])).status_code == 403


def test_number_page_shows_the_latest_health_reason(admin_client):
    period = PhoneNumberHealthPeriodFactory(since=timezone.now() - timedelta(hours=1), reason="OLD REASON")
    PhoneNumberHealthPeriodFactory(phone_number=period.phone_number, health_status="unhealthy",
                                   reason="SIP trunk Primary is unhealthy")
    html = admin_client.get(reverse("admin:telephony_phonenumber_change", args=[period.phone_number.pk])).content.decode()
    assert "SIP trunk Primary is unhealthy" in html and "OLD REASON" not in html
    assert f"?phone_number__id__exact={period.phone_number.pk}&amp;period=all" in html
