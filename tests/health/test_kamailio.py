"""Trunk health against a real SIP server (Kamailio) and real failure modes, all on loopback."""

import pytest

from security_app.models import AuditLog
from telephony.models import SipTrunk, SipTrunkHealthCheck
from telephony.services.health import sip_trunks_check_health
from tests.factories import SipTrunkFactory, TenantFactory

from .conftest import FAST

pytestmark = pytest.mark.django_db


def trunk(tenant, uri, **fields):
    return SipTrunkFactory(tenant=tenant, termination_uri=uri, **fields)


def latest(t):
    return SipTrunkHealthCheck.objects.filter(sip_trunk=t).order_by("-checked_at", "-id").first()


def test_each_peer_gets_its_status(kamailio, silent_peer, closed_port):
    tenant = TenantFactory()
    udp = trunk(tenant, f"sip:127.0.0.1:{kamailio.ok}")
    tcp = trunk(tenant, f"sip:carrier@127.0.0.1:{kamailio.ok};transport=tcp")
    tcp_by_setting = trunk(tenant, f"sip:127.0.0.1:{kamailio.ok}", settings={"transport": "tcp"})
    busy = trunk(tenant, f"sip:127.0.0.1:{kamailio.busy}")
    silent = trunk(tenant, f"sip:127.0.0.1:{silent_peer.port}")
    closed_udp = trunk(tenant, f"sip:127.0.0.1:{closed_port}")
    closed_tcp = trunk(tenant, f"sip:127.0.0.1:{closed_port};transport=tcp")
    everything = [udp, tcp, tcp_by_setting, busy, silent, closed_udp, closed_tcp]

    first = sip_trunks_check_health(trunks=everything, thresholds=FAST)

    assert first.checked == 7
    for t in (udp, tcp, tcp_by_setting):
        t.refresh_from_db()
        check = latest(t)
        assert (t.health_status, check.outcome, check.status_code, check.reason_phrase) == (
            "healthy", "answered", 200, "OK")
        assert 0 < check.rtt_ms < FAST.rtt_degraded_ms and t.last_health_check == check.checked_at
    assert latest(tcp).target.startswith("tcp:") and latest(tcp_by_setting).target.startswith("tcp:")
    assert latest(udp).target == f"udp:127.0.0.1:{kamailio.ok}"

    busy.refresh_from_db()
    assert busy.health_status == "unhealthy"  # one 503 is enough (error_answers_unhealthy=1)
    assert (latest(busy).status_code, latest(busy).consecutive_error_answers) == (503, 1)
    assert "503 Service Unavailable" in latest(busy).reason

    # One failed probe is not yet unhealthy (failures_unhealthy=2): degraded, with the outcome recorded.
    for t, outcome in ((silent, "timeout"), (closed_udp, "refused"), (closed_tcp, "refused")):
        t.refresh_from_db()
        assert (t.health_status, latest(t).outcome, latest(t).status_code, latest(t).consecutive_failures) == (
            "degraded", outcome, None, 1), t.termination_uri
        assert latest(t).rtt_ms is None

    second = sip_trunks_check_health(trunks=everything, thresholds=FAST)

    statuses = dict(SipTrunk.objects.filter(id__in=[t.id for t in everything]).values_list("id", "health_status"))
    assert statuses == {udp.id: "healthy", tcp.id: "healthy", tcp_by_setting.id: "healthy", busy.id: "unhealthy",
                        silent.id: "unhealthy", closed_udp.id: "unhealthy", closed_tcp.id: "unhealthy"}
    assert latest(silent).consecutive_failures == 2 and latest(busy).consecutive_error_answers == 2
    assert {c.id for c in second.changes} == {silent.id, closed_udp.id, closed_tcp.id}
    assert all((c.previous, c.current) == ("degraded", "unhealthy") for c in second.changes)
    assert SipTrunkHealthCheck.objects.filter(sip_trunk__in=everything).count() == 14
    history = list(SipTrunkHealthCheck.objects.filter(sip_trunk=silent).order_by("checked_at")
                   .values_list("previous_health_status", "health_status"))
    assert history == [("unknown", "degraded"), ("degraded", "unhealthy")]


def test_a_recovered_trunk_returns_to_healthy(kamailio):
    t = trunk(TenantFactory(), f"sip:127.0.0.1:{kamailio.ok};transport=tcp")
    assert sip_trunks_check_health(trunks=[t], thresholds=FAST).by_status == {"healthy": 1}

    kamailio.stop()
    try:
        sip_trunks_check_health(trunks=[t], thresholds=FAST)
        run = sip_trunks_check_health(trunks=[t], thresholds=FAST)
        t.refresh_from_db()
        assert t.health_status == "unhealthy" and latest(t).outcome == "refused"
        assert [(c.previous, c.current) for c in run.changes] == [("degraded", "unhealthy")]
    finally:
        kamailio.start()

    run = sip_trunks_check_health(trunks=[t], thresholds=FAST)
    t.refresh_from_db()
    assert t.health_status == "healthy" and latest(t).consecutive_failures == 0
    assert [(c.previous, c.current, c.recovered) for c in run.changes] == [("unhealthy", "healthy", True)]
    audited = list(AuditLog.objects.filter(action="sip_trunk.health_change", resource_id=t.id)
                   .order_by("timestamp", "id").values_list("details__before__health_status", "details__after__health_status"))
    assert audited == [("unknown", "healthy"), ("healthy", "degraded"), ("degraded", "unhealthy"),
                       ("unhealthy", "healthy")]
