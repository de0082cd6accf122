"""From measurements to healthy / degraded / unhealthy, with thresholds from settings.

Settings (django-environ, see aybiza/settings.py `AYBIZA_HEALTH`; docs/operations.md "Health checks"):

    TIMEOUT_SECONDS          probe timeout per trunk                              2.0
    CONCURRENCY              probes in flight at once                             200
    RTT_DEGRADED_MS          an answer slower than this is degraded               500
    FAILURES_UNHEALTHY       consecutive failed probes before unhealthy           3
    ERROR_ANSWERS_UNHEALTHY  consecutive 5xx/6xx/408 answers before unhealthy     1
    TLS_VERIFY / TLS_CA_FILE certificate checks for TLS trunks                    true / system CAs
    NUMBER_WINDOW_MINUTES    call outcomes looked at for a number                 60
    NUMBER_MIN_CALLS         fewer calls than this in the window: not judged      10
    NUMBER_FAILED_DEGRADED / _UNHEALTHY      share of calls 'failed'              0.10 / 0.30
    NUMBER_NO_ANSWER_DEGRADED / _UNHEALTHY   share of calls 'no-answer'/'busy'    0.30 / 0.60
    HISTORY_DAYS             trunk probe history kept                             14
    BLOCKED_NETWORKS         addresses never probed        link-local, multicast, 0/8; loopback unless DEBUG

A probe *fails* when nothing usable came back (timeout, refused, unreachable, DNS, TLS, garbage) or
when the peer answered 5xx, 6xx or 408. Any other answer (2xx, but also 3xx/4xx such as 404 or 405:
many carriers refuse OPTIONS yet are up) proves the peer alive.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, fields, replace

from django.conf import settings

from ..choices import HealthStatus
from .sip_options import IPNetwork, ProbeResult

HEALTHY, DEGRADED, UNHEALTHY, UNKNOWN = (HealthStatus.HEALTHY.value, HealthStatus.DEGRADED.value,
                                         HealthStatus.UNHEALTHY.value, HealthStatus.UNKNOWN.value)
SEVERITY = {UNKNOWN: 0, HEALTHY: 0, DEGRADED: 1, UNHEALTHY: 2}


@dataclass(frozen=True)
class Thresholds:
    timeout_seconds: float = 2.0
    concurrency: int = 200
    rtt_degraded_ms: float = 500.0
    failures_unhealthy: int = 3
    error_answers_unhealthy: int = 1
    tls_verify: bool = True
    tls_ca_file: str = ""
    number_window_minutes: int = 60
    number_min_calls: int = 10
    number_failed_degraded: float = 0.10
    number_failed_unhealthy: float = 0.30
    number_no_answer_degraded: float = 0.30
    number_no_answer_unhealthy: float = 0.60
    history_days: int = 14
    # Addresses never probed (a tenant sets its trunk's URI: no probing the platform's own network).
    blocked_networks: tuple[str, ...] = ()

    def __post_init__(self):
        if self.timeout_seconds <= 0 or self.concurrency < 1 or self.failures_unhealthy < 1 \
                or self.error_answers_unhealthy < 1 or self.number_min_calls < 1 or self.history_days < 1:
            raise ValueError(f"health thresholds out of range: {self}")
        for network in self.blocked_networks:
            ipaddress.ip_network(network, strict=False)  # ValueError names a bad entry

    @property
    def networks(self) -> tuple[IPNetwork, ...]:
        return tuple(ipaddress.ip_network(network, strict=False) for network in self.blocked_networks)

    @classmethod
    def from_settings(cls, **overrides) -> Thresholds:
        configured = getattr(settings, "AYBIZA_HEALTH", {}) or {}
        known = {f.name for f in fields(cls)}
        values = {name.lower(): value for name, value in configured.items() if name.lower() in known}
        if "blocked_networks" in values:
            values["blocked_networks"] = tuple(values["blocked_networks"])
        return cls(**values).but(**overrides)

    def but(self, **overrides) -> Thresholds:
        """A copy with the given values changed (None values are ignored)."""
        overrides = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **overrides) if overrides else self


def probe_failed(result: ProbeResult) -> bool:
    if not result.answered:
        return True
    return error_answer(result)


def error_answer(result: ProbeResult) -> bool:
    """The peer answered but said it cannot serve: 5xx, 6xx, or 408 Request Timeout."""
    return result.answered and result.status_code is not None and (result.status_code >= 500
                                                                   or result.status_code == 408)


def trunk_status(result: ProbeResult, *, consecutive_failures: int, consecutive_error_answers: int,
                 thresholds: Thresholds) -> tuple[str, str]:
    """(health_status, reason) of a trunk after this probe.

    `consecutive_failures` / `consecutive_error_answers` include this probe.
    """
    if not probe_failed(result):
        code = f"{result.status_code} {result.reason}".strip()
        if result.rtt_ms is not None and result.rtt_ms > thresholds.rtt_degraded_ms:
            return DEGRADED, f"answered {code} in {result.rtt_ms:.0f} ms (> {thresholds.rtt_degraded_ms:g} ms)"
        return HEALTHY, f"answered {code} in {result.rtt_ms:.0f} ms"
    if error_answer(result):
        what = f"answered {result.status_code} {result.reason}".strip()
        if consecutive_error_answers >= thresholds.error_answers_unhealthy:
            return UNHEALTHY, f"{what} ({consecutive_error_answers} in a row)"
    else:
        what = f"{result.outcome.replace('_', ' ')}: {result.error}" if result.error else result.outcome
    if consecutive_failures >= thresholds.failures_unhealthy:
        return UNHEALTHY, f"{what} ({consecutive_failures} failed checks in a row)"
    return DEGRADED, (f"{what} ({consecutive_failures} failed check(s) in a row; unhealthy at "
                      f"{thresholds.failures_unhealthy})")


@dataclass(frozen=True)
class CallOutcomes:
    """Calls of one number started in the window, by outcome (ongoing calls are not counted)."""

    total: int = 0
    failed: int = 0
    no_answer: int = 0  # 'no-answer' and 'busy'


def number_status(*, trunk_health: str | None, trunk_name: str = "", trunk_active: bool = True,
                  outcomes: CallOutcomes | None, thresholds: Thresholds) -> tuple[str, str]:
    """(health_status, reason) of a phone number: the worst of its trunk and its recent calls."""
    verdicts: list[tuple[str, str]] = []
    if trunk_health is not None:
        if not trunk_active:
            verdicts.append((UNHEALTHY, f"SIP trunk {trunk_name} is not active"))
        elif trunk_health == UNHEALTHY:
            verdicts.append((UNHEALTHY, f"SIP trunk {trunk_name} is unhealthy"))
        elif trunk_health == DEGRADED:
            verdicts.append((DEGRADED, f"SIP trunk {trunk_name} is degraded"))
        elif trunk_health == UNKNOWN:
            verdicts.append((HEALTHY, f"SIP trunk {trunk_name} not checked yet"))
        else:
            verdicts.append((HEALTHY, f"SIP trunk {trunk_name} is healthy"))
    window = f"last {thresholds.number_window_minutes} min"
    if outcomes is None:
        verdicts.append((HEALTHY, "call outcomes not available"))
    elif outcomes.total < thresholds.number_min_calls:
        verdicts.append((HEALTHY, f"{outcomes.total} call(s) in the {window}, too few to judge "
                                  f"(< {thresholds.number_min_calls})"))
    else:
        failed, no_answer = outcomes.failed / outcomes.total, outcomes.no_answer / outcomes.total
        calls = f"of {outcomes.total} calls in the {window}"
        for rate, label, degraded, unhealthy in (
            (failed, "failed", thresholds.number_failed_degraded, thresholds.number_failed_unhealthy),
            (no_answer, "unanswered/busy", thresholds.number_no_answer_degraded,
             thresholds.number_no_answer_unhealthy),
        ):
            if rate >= unhealthy:
                verdicts.append((UNHEALTHY, f"{rate:.0%} {calls} {label} (>= {unhealthy:.0%})"))
            elif rate >= degraded:
                verdicts.append((DEGRADED, f"{rate:.0%} {calls} {label} (>= {degraded:.0%})"))
        if all(SEVERITY[status] == 0 for status, _ in verdicts):
            verdicts.append((HEALTHY, f"{failed:.0%} failed, {no_answer:.0%} unanswered {calls}"))
    worst = max(SEVERITY[status] for status, _ in verdicts)
    status = next(status for status, _ in verdicts if SEVERITY[status] == worst)
    reasons = [reason for s, reason in verdicts if SEVERITY[s] == worst] if worst else [r for _, r in verdicts]
    return status, "; ".join(reasons)
