"""Recording health: default selection, invalid targets, phone numbers from trunk and calls, retention."""

import asyncio
from datetime import timedelta

import pytest
from django.utils import timezone

from security_app.models import AuditLog
from telephony.models import PhoneNumber, PhoneNumberHealthPeriod, SipTrunk, SipTrunkHealthCheck
from telephony.services.health import (
    health_history_prune, phone_number_trunk_id, phone_numbers_check_health, sip_trunks_check_health,
)
from tests.factories import CallFactory, PhoneNumberFactory, SipTrunkFactory, TenantFactory

from .conftest import FAST

pytestmark = pytest.mark.django_db


def test_default_run_checks_active_and_testing_trunks_only(closed_port):
    tenant = TenantFactory()
    uri = f"sip:127.0.0.1:{closed_port}"
    checked = [SipTrunkFactory(tenant=tenant, termination_uri=uri, status=s) for s in ("active", "testing")]
    skipped = [SipTrunkFactory(tenant=tenant, termination_uri=uri, status=s) for s in ("inactive", "failed")]
    run = sip_trunks_check_health(thresholds=FAST)
    assert run.checked == 2
    assert set(SipTrunkHealthCheck.objects.values_list("sip_trunk_id", flat=True)) == {t.id for t in checked}
    for t in skipped:
        t.refresh_from_db()
        assert (t.health_status, t.last_health_check) == ("unknown", None)


def test_an_unprobeable_uri_is_recorded_as_invalid_without_touching_the_network():
    t = SipTrunkFactory(termination_uri="sip:bad host;transport=sctp")
    sip_trunks_check_health(trunks=[t], thresholds=FAST)
    run = sip_trunks_check_health(trunks=[t], thresholds=FAST)
    t.refresh_from_db()
    check = SipTrunkHealthCheck.objects.filter(sip_trunk=t).latest("id")
    assert (t.health_status, check.outcome, check.consecutive_failures) == ("unhealthy", "invalid_target", 2)
    assert check.target == "sip:bad host;transport=sctp" and "bad host" in check.error
    assert run.changes[0].current == "unhealthy"


def test_recording_touches_only_the_health_columns(closed_port):
    t = SipTrunkFactory(termination_uri=f"sip:127.0.0.1:{closed_port}")
    before = SipTrunk.objects.values("updated_at", "updated_by_id", "name", "status").get(id=t.id)
    sip_trunks_check_health(trunks=[t], thresholds=FAST)
    assert SipTrunk.objects.values("updated_at", "updated_by_id", "name", "status").get(id=t.id) == before


def test_works_when_called_from_a_running_event_loop(closed_port):
    """An async job runner calls the sync service from its loop: the probes get a loop of their own."""
    t = SipTrunkFactory(termination_uri=f"sip:127.0.0.1:{closed_port}")
    from telephony.health.probe import probe_many
    from telephony.services.health import sip_trunk_target

    async def inside_a_loop():
        return probe_many([sip_trunk_target(t)], concurrency=1, timeout=0.3)

    [result] = asyncio.run(inside_a_loop())
    assert result.outcome == "refused"


# --- phone numbers ------------------------------------------------------------------------------------------

def number_on(trunk, **fields):
    return PhoneNumberFactory(tenant=trunk.tenant, created_by=trunk.created_by, acquisition_method="sip_trunk",
                              provider="external_sip", settings={"sip_trunk_id": str(trunk.id)}, **fields)


def calls(number, statuses, minutes_ago=10):
    for status in statuses:
        CallFactory(phone_number=number, status=status, start_time=timezone.now() - timedelta(minutes=minutes_ago))


def test_number_follows_its_trunk_and_the_reason_is_recorded():
    trunk = SipTrunkFactory(health_status="unhealthy", name="Primary")
    number = number_on(trunk)
    run = phone_numbers_check_health(numbers=[number], thresholds=FAST)
    number.refresh_from_db()
    assert number.health_status == "unhealthy" and number.last_health_check is not None
    period = PhoneNumberHealthPeriod.objects.get(phone_number=number)
    assert (period.health_status, period.previous_health_status, period.sip_trunk_id) == ("unhealthy", "unknown",
                                                                                          trunk.id)
    assert "SIP trunk Primary is unhealthy" in period.reason
    assert [(c.kind, c.previous, c.current) for c in run.changes] == [("phone_number", "unknown", "unhealthy")]
    assert AuditLog.objects.filter(action="phone_number.health_change", resource_id=number.id).count() == 1


def test_another_tenants_trunk_is_never_used():
    foreign = SipTrunkFactory(health_status="unhealthy")
    number = PhoneNumberFactory(tenant=TenantFactory(), settings={"sip_trunk_id": str(foreign.id)})
    phone_numbers_check_health(numbers=[number], thresholds=FAST)
    period = PhoneNumberHealthPeriod.objects.get(phone_number=number)
    assert period.health_status == "healthy" and period.sip_trunk_id is None and "SIP trunk" not in period.reason


def test_trunk_found_from_provider_id_and_bad_values_ignored():
    trunk = SipTrunkFactory()
    by_provider = PhoneNumber(acquisition_method="sip_trunk", provider_id=str(trunk.id), settings={})
    assert phone_number_trunk_id(by_provider) == trunk.id
    assert phone_number_trunk_id(PhoneNumber(acquisition_method="managed", provider_id=str(trunk.id),
                                             settings={})) is None
    assert phone_number_trunk_id(PhoneNumber(acquisition_method="sip_trunk", provider_id="TW123",
                                             settings={"sip_trunk_id": "not-a-uuid"})) is None
    assert phone_number_trunk_id(PhoneNumber(acquisition_method="managed", settings=["odd"])) is None


def test_number_from_recent_call_outcomes_within_the_window_only():
    number = PhoneNumberFactory()
    calls(number, ["failed", "failed", "completed", "no-answer"])           # in the window: 50% failed
    calls(number, ["completed"] * 20, minutes_ago=FAST.number_window_minutes + 5)  # outside: ignored
    calls(number, ["ringing", "initiated"])                                 # not ended: not counted
    phone_numbers_check_health(numbers=[number], thresholds=FAST)
    period = PhoneNumberHealthPeriod.objects.get(phone_number=number)
    assert (period.health_status, period.calls_total, period.calls_failed, period.calls_no_answer) == (
        "unhealthy", 4, 2, 1)
    assert "50% of 4 calls in the last 60 min failed" in period.reason


def test_a_period_is_kept_while_the_status_holds_and_a_new_one_starts_on_change():
    trunk = SipTrunkFactory(health_status="healthy", name="Primary")
    number = number_on(trunk)
    phone_numbers_check_health(numbers=[number], thresholds=FAST)
    calls(number, ["completed"] * 2)
    second = phone_numbers_check_health(numbers=[number], thresholds=FAST)
    assert second.changes == []
    period = PhoneNumberHealthPeriod.objects.get(phone_number=number)
    assert period.calls_total == 2 and period.last_checked_at > period.since  # refreshed in place

    SipTrunk.objects.filter(id=trunk.id).update(health_status="degraded")
    number.refresh_from_db()
    phone_numbers_check_health(numbers=[number], thresholds=FAST)
    rows = list(PhoneNumberHealthPeriod.objects.filter(phone_number=number).order_by("since")
                .values_list("previous_health_status", "health_status"))
    assert rows == [("unknown", "healthy"), ("healthy", "degraded")]


def test_recording_number_health_leaves_the_lock_version_and_updated_at():
    number = PhoneNumberFactory()
    before = PhoneNumber.objects.values("version", "updated_at").get(id=number.id)
    phone_numbers_check_health(numbers=[number], thresholds=FAST)
    assert PhoneNumber.objects.values("version", "updated_at").get(id=number.id) == before


def test_default_run_checks_active_numbers_only():
    active = PhoneNumberFactory(status="active")
    PhoneNumberFactory(status="suspended")
    run = phone_numbers_check_health(thresholds=FAST)
    assert run.checked == 1
    assert list(PhoneNumberHealthPeriod.objects.values_list("phone_number_id", flat=True)) == [active.id]


# --- retention ----------------------------------------------------------------------------------------------

def test_prune_deletes_only_history_older_than_the_window(closed_port):
    t = SipTrunkFactory(termination_uri=f"sip:127.0.0.1:{closed_port}")
    number = PhoneNumberFactory()
    sip_trunks_check_health(trunks=[t], thresholds=FAST)
    phone_numbers_check_health(numbers=[number], thresholds=FAST)
    old = timezone.now() - timedelta(days=15)
    sip_trunks_check_health(trunks=[t], thresholds=FAST, now=old)
    PhoneNumberHealthPeriod.objects.create(phone_number=number, organization_id=number.organization_id,
                                           tenant_id=number.tenant_id, since=old, last_checked_at=old,
                                           health_status="degraded", previous_health_status="unknown", reason="old")
    assert health_history_prune(days=14, batch=1) == {"sip_trunk_health_checks": 1, "phone_number_health_periods": 1}
    assert SipTrunkHealthCheck.objects.filter(sip_trunk=t).count() == 1
    assert PhoneNumberHealthPeriod.objects.filter(phone_number=number).count() == 1
    assert health_history_prune(days=14) == {"sip_trunk_health_checks": 0, "phone_number_health_periods": 0}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_blocked_networks_are_never_contacted(host):
    """A tenant's trunk URI must not make the platform probe its own network (names are checked after
    resolution, on the address that would be used)."""
    import socket

    listener = socket.socket(socket.AF_INET6 if host == "[::1]" else socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("::1" if host == "[::1]" else "127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    try:
        t = SipTrunkFactory(termination_uri=f"sip:{host}:{listener.getsockname()[1]};transport=tcp")
        sip_trunks_check_health(trunks=[t], thresholds=FAST.but(blocked_networks=("127.0.0.0/8", "::1/128")))
        check = SipTrunkHealthCheck.objects.get(sip_trunk=t)
        assert check.outcome == "invalid_target" and "blocked network" in check.error
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody knocked
    finally:
        listener.close()


def test_blocked_networks_come_from_settings_and_bad_entries_are_refused():
    from django.test import override_settings

    from telephony.health.thresholds import Thresholds

    with override_settings(AYBIZA_HEALTH={"BLOCKED_NETWORKS": ["10.0.0.0/8"]}):
        assert [str(n) for n in Thresholds.from_settings().networks] == ["10.0.0.0/8"]
    with override_settings(AYBIZA_HEALTH={"BLOCKED_NETWORKS": ["not-a-network"]}), pytest.raises(ValueError):
        Thresholds.from_settings()
