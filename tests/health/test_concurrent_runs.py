"""Two check runs at once (a job and an operator's command): the failure counters stay exact."""

import threading

import pytest
from django.db import connections

from telephony.models import SipTrunkHealthCheck
from telephony.services.health import sip_trunks_check_health
from tests.factories import SipTrunkFactory

from .conftest import FAST


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_count_consecutive_failures_exactly(closed_port):
    trunk = SipTrunkFactory(termination_uri=f"sip:127.0.0.1:{closed_port}")
    barrier, errors = threading.Barrier(3), []

    def run():
        try:
            barrier.wait(5)
            sip_trunks_check_health(trunks=[trunk], thresholds=FAST)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    counts = sorted(SipTrunkHealthCheck.objects.filter(sip_trunk=trunk).values_list("consecutive_failures", flat=True))
    assert counts == [1, 2, 3]
    trunk.refresh_from_db()
    assert trunk.health_status == "unhealthy"
