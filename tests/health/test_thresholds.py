"""From a probe result or call counts to a status and its reason (pure functions)."""

import pytest
from django.test import override_settings

from telephony.health.sip_options import ProbeResult
from telephony.health.thresholds import CallOutcomes, Thresholds, number_status, probe_failed, trunk_status

T = Thresholds(rtt_degraded_ms=300, failures_unhealthy=3, error_answers_unhealthy=2, number_min_calls=10,
               number_failed_degraded=0.1, number_failed_unhealthy=0.3, number_no_answer_degraded=0.3,
               number_no_answer_unhealthy=0.6, number_window_minutes=60)


def answered(code, rtt=20.0, reason="X"):
    return ProbeResult("answered", status_code=code, reason=reason, rtt_ms=rtt)


@pytest.mark.parametrize("code", [200, 202, 302, 403, 404, 405, 407, 481])
def test_any_answer_but_5xx_6xx_408_proves_the_peer_alive(code):
    assert not probe_failed(answered(code))
    assert trunk_status(answered(code), consecutive_failures=0, consecutive_error_answers=0, thresholds=T)[0] == "healthy"


@pytest.mark.parametrize("code", [408, 500, 503, 504, 600, 603])
def test_error_answers_fail(code):
    assert probe_failed(answered(code))


def test_slow_answer_is_degraded_and_says_why():
    status, reason = trunk_status(answered(200, rtt=301, reason="OK"), consecutive_failures=0,
                                  consecutive_error_answers=0, thresholds=T)
    assert status == "degraded" and "301 ms" in reason and "300 ms" in reason
    assert trunk_status(answered(200, rtt=300), consecutive_failures=0, consecutive_error_answers=0,
                        thresholds=T)[0] == "healthy"


@pytest.mark.parametrize("errors, status", [(1, "degraded"), (2, "unhealthy")])
def test_error_answers_threshold(errors, status):
    result = answered(503, reason="Service Unavailable")
    got, reason = trunk_status(result, consecutive_failures=errors, consecutive_error_answers=errors, thresholds=T)
    assert got == status and "503 Service Unavailable" in reason


@pytest.mark.parametrize("failures, status", [(1, "degraded"), (2, "degraded"), (3, "unhealthy"), (9, "unhealthy")])
def test_consecutive_failures_threshold(failures, status):
    result = ProbeResult("timeout", error="no answer within 2 s")
    got, reason = trunk_status(result, consecutive_failures=failures, consecutive_error_answers=0, thresholds=T)
    assert got == status and "timeout" in reason and f"{failures} failed" in reason


def test_settings_feed_the_thresholds_and_bad_values_are_refused():
    with override_settings(AYBIZA_HEALTH={"RTT_DEGRADED_MS": 42.0, "FAILURES_UNHEALTHY": 5, "UNKNOWN_KEY": 1}):
        thresholds = Thresholds.from_settings()
    assert (thresholds.rtt_degraded_ms, thresholds.failures_unhealthy, thresholds.timeout_seconds) == (42.0, 5, 2.0)
    assert thresholds.but(timeout_seconds=None, concurrency=7).concurrency == 7
    for bad in ({"TIMEOUT_SECONDS": 0}, {"CONCURRENCY": 0}, {"FAILURES_UNHEALTHY": 0}):
        with override_settings(AYBIZA_HEALTH=bad), pytest.raises(ValueError):
            Thresholds.from_settings()


# --- phone numbers ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("trunk, active, status, words", [
    ("healthy", True, "healthy", "is healthy"),
    ("degraded", True, "degraded", "is degraded"),
    ("unhealthy", True, "unhealthy", "is unhealthy"),
    ("unknown", True, "healthy", "not checked yet"),
    ("healthy", False, "unhealthy", "is not active"),
])
def test_number_follows_its_trunk(trunk, active, status, words):
    got, reason = number_status(trunk_health=trunk, trunk_name="Primary", trunk_active=active,
                                outcomes=CallOutcomes(), thresholds=T)
    assert got == status and f"SIP trunk Primary {words}" in reason


@pytest.mark.parametrize("outcomes, status, words", [
    (CallOutcomes(total=9, failed=9), "healthy", "too few to judge"),  # below the minimum sample
    (CallOutcomes(total=10, failed=0, no_answer=0), "healthy", "0% failed"),
    (CallOutcomes(total=10, failed=1), "degraded", "10% of 10 calls in the last 60 min failed"),
    (CallOutcomes(total=10, failed=3), "unhealthy", "30% of 10 calls in the last 60 min failed"),
    (CallOutcomes(total=10, no_answer=3), "degraded", "unanswered/busy"),
    (CallOutcomes(total=10, no_answer=6), "unhealthy", "60% of 10 calls"),
])
def test_number_from_call_outcomes(outcomes, status, words):
    got, reason = number_status(trunk_health=None, outcomes=outcomes, thresholds=T)
    assert got == status and words in reason, reason


def test_the_worst_wins_and_every_reason_of_that_level_is_given():
    got, reason = number_status(trunk_health="unhealthy", trunk_name="Primary",
                                outcomes=CallOutcomes(total=20, failed=10, no_answer=2), thresholds=T)
    assert got == "unhealthy"
    assert "SIP trunk Primary is unhealthy" in reason and "50% of 20 calls" in reason
    got, reason = number_status(trunk_health="degraded", trunk_name="Primary",
                                outcomes=CallOutcomes(total=20, failed=10), thresholds=T)
    assert got == "unhealthy" and "degraded" not in reason


def test_without_a_call_reader_the_number_follows_the_trunk_and_says_so():
    got, reason = number_status(trunk_health=None, outcomes=None, thresholds=T)
    assert got == "healthy" and reason == "call outcomes not available"
