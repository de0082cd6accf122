"""manage.py check_health: summary, exit status, argument errors; the periodic-job entry point."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from telephony.models import SipTrunkHealthCheck
from tests.factories import PhoneNumberFactory, SipTrunkFactory

pytestmark = pytest.mark.django_db

FAST_SETTINGS = {"TIMEOUT_SECONDS": 0.5, "FAILURES_UNHEALTHY": 1}


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("check_health", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@override_settings(AYBIZA_HEALTH=FAST_SETTINGS)
def test_summary_lines_and_changes(kamailio, closed_port):
    good = SipTrunkFactory(termination_uri=f"sip:127.0.0.1:{kamailio.ok}", name="Good")
    SipTrunkFactory(termination_uri=f"sip:127.0.0.1:{closed_port}", name="Dead")
    PhoneNumberFactory()
    out, _ = run()
    assert "SIP trunks: Checked 2 trunk(s)" in out and "1 healthy, 1 unhealthy; 2 changed." in out
    assert "Phone numbers: Checked 1 number(s)" in out
    assert "trunk Dead (" in out and "unknown -> unhealthy: refused" in out
    out, _ = run("--trunk", str(good.id))
    assert "SIP trunks: Checked 1 trunk(s)" in out and "0 changed" in out and "Phone numbers" not in out


@override_settings(AYBIZA_HEALTH=FAST_SETTINGS)
def test_fail_on_unhealthy_exits_1(closed_port):
    SipTrunkFactory(termination_uri=f"sip:127.0.0.1:{closed_port}")
    with pytest.raises(SystemExit) as exit_info:
        run("--trunks-only", "--fail-on-unhealthy")
    assert exit_info.value.code == 1


def test_numbers_only_probes_nothing():
    SipTrunkFactory(termination_uri="sip:127.0.0.1:9")
    out, _ = run("--numbers-only")
    assert "SIP trunks" not in out and SipTrunkHealthCheck.objects.count() == 0


@pytest.mark.parametrize("args, message", [
    (["--trunk", "not-a-uuid"], "not a UUID"),
    (["--trunk", "00000000-0000-0000-0000-000000000000"], "no such SIP trunk"),
    (["--timeout", "0"], "--timeout must be positive"),
    (["--concurrency", "0"], "--concurrency must be at least 1"),
    (["--trunks-only", "--numbers-only"], "exclude each other"),
])
def test_bad_arguments_are_refused_and_nothing_is_checked(args, message):
    SipTrunkFactory(termination_uri="sip:127.0.0.1:9")
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert SipTrunkHealthCheck.objects.count() == 0


def test_benchmark_runs_small_and_leaves_nothing_behind():
    from telephony.models import SipTrunk

    out = StringIO()
    call_command("benchmark_health", trunks=20, silent=2, timeout=0.3, stdout=out)
    text = out.getvalue()
    assert "probes only:                20 trunks" in text and "20 answered 200" in text
    assert "check_health, answering:    20 trunks" in text and "{'healthy': 20}" in text
    assert "check_health, silent only:  2 trunks" in text and "{'degraded': 2}" in text
    assert "check_health, mixed:        22 trunks" in text
    assert not SipTrunk.objects.filter(provider_name="benchmark").exists()
    assert not SipTrunkHealthCheck.objects.exists()


def test_benchmark_refuses_bad_arguments():
    with pytest.raises(CommandError):
        call_command("benchmark_health", trunks=0, stdout=StringIO())
